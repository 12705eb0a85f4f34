import { existsSync, readdirSync } from "node:fs"
import { NodeFileSystem } from "@effect/platform-node"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { STAGES } from "../../../src/domain/RunStatus.js"
import { type AdlsEmulator, adlsEmulator } from "../../../src/emulators/adls/AdlsEmulator.js"
import { ecomApiDefaults, serveEcomApi } from "../../../src/emulators/events-api/EcomApiServer.js"
import { type SalesforceEmulator, salesforceEmulator } from "../../../src/emulators/salesforce/SalesforceEmulator.js"
import * as SqlClientSqlite from "../../../src/layers/warehouse/SqlClientSqlite.js"
import { emulatorSettings } from "../../../src/program/cli/EmulatorSettings.js"
import { runCli } from "../../support/cli.js"
import { duckQuery, parquet } from "../../support/DuckDb.js"
import { tempDir as makeTempDir } from "../../support/TempDir.js"
import { assert, describe, it } from "../../support/vitest.js"

const partition = "week_start=2019-12-01/week_end=2019-12-07"
const WEEK = ["--week-start", "2019-12-01", "--week-end", "2019-12-07"]
const API_KEY = "e2e-api-key"

/** One deployment: its own lake container, warehouse file and Salesforce org. */
const deployment = (root: string, name: string, api: string, lake: AdlsEmulator, sf: SalesforceEmulator) => ({
  ...emulatorSettings({ eventsApi: api, apiKey: API_KEY, adls: lake.url, salesforce: sf.url }, `${root}/${name}`),
  TRANSFORM_WORKERS: "1",
  CONTAINER: name,
  SQLITE_PATH: `${root}/${name}.sqlite`,
  SF_POLL_INTERVAL_SECONDS: "0.05",
})

/** A worker: a disk of its own. */
const worker = (root: string, name: string) => ({
  LOCAL_DATA_DIR: `${root}/${name}/data/raw_events`,
  LOCAL_REJECTS_DIR: `${root}/${name}/data/raw_events_rejects`,
  STATE_DIR: `${root}/${name}/state`,
})

/** What a warehouse file holds, read with a connection of its own (the CLI processes have exited). */
const sqlite = <A extends object>(path: string, sql: string) =>
  Effect.flatMap(SqlClient.SqlClient, (client) => client.unsafe<A>(sql)).pipe(
    Effect.provide(SqlClientSqlite.layer(path)),
    Effect.provide(NodeFileSystem.layer),
    Effect.orDie,
  )

const eventRows = (path: string) =>
  duckQuery(`SELECT * EXCLUDE (ingested_at) FROM ${parquet(path)} ORDER BY event_time, user_id, product_id, event_type`)

const salesforceRecords = (sf: SalesforceEmulator) =>
  [...sf.store.records("Customer_Weekly_Metric__c").entries()]
    .map(([id, r]) => [id, r.fields] as const)
    .sort(([a], [b]) => a.localeCompare(b))

describe("reverse-etl run, end to end (CLI processes, emulators on 127.0.0.1, SQLite file)", () => {
  it.scopedLive(
    "full run, the same week as five --stage processes on separate disks, checkpoint and quality gate",
    () =>
      Effect.gen(function* () {
        const root = makeTempDir("retl-e2e-")
        const api = yield* serveEcomApi({
          ...ecomApiDefaults,
          data: { seed: 11, eventsPerWeek: 3_000, malformedPct: 2 },
          withTotal: true,
          apiKey: API_KEY,
        })
        const lake = yield* adlsEmulator({})
        const sfFull = yield* salesforceEmulator({})
        const sfStaged = yield* salesforceEmulator({})
        const full = deployment(root, "full", api.url, lake, sfFull)
        const staged = deployment(root, "staged", api.url, lake, sfStaged)

        const first = yield* runCli(["run", ...WEEK], { env: { ...full, ...worker(root, "a") } })
        assert.strictEqual(first.code, 0, first.stderr.slice(-2000))
        const [run] = yield* sqlite<{ status: string }>(full.SQLITE_PATH, "SELECT status FROM pipeline_run")
        assert.strictEqual(run?.status, "SUCCESS_WITH_REJECTS")
        const checkpoint = sqlite<{ next_week_start: string }>(
          full.SQLITE_PATH,
          "SELECT next_week_start FROM pipeline_checkpoint",
        ).pipe(Effect.map((rows) => rows[0]?.next_week_start))
        assert.strictEqual(yield* checkpoint, "2019-12-08", "the checkpoint moved by exactly seven days")

        const airflow = "manual__2019-12-01T00:00:00+00:00"
        for (const stage of STAGES) {
          const result = yield* runCli(["run", ...WEEK, "--stage", stage], {
            env: { ...staged, ...worker(root, `b-${stage}`), AIRFLOW_CTX_DAG_RUN_ID: airflow },
          })
          assert.strictEqual(result.code, 0, `${stage}: ${result.stderr.slice(-2000)}`)
        }
        const fullRows = yield* Effect.promise(() => eventRows(`${root}/a/data/raw_events/${partition}/events.parquet`))
        const stagedRows = yield* Effect.promise(() =>
          eventRows(`${root}/b-transform/data/raw_events/${partition}/events.parquet`),
        )
        assert.isAbove(fullRows.length, 2_800)
        assert.deepStrictEqual(stagedRows, fullRows)
        const warehouse = (path: string) =>
          sqlite(path, "SELECT event_time, user_id, product_id, price FROM ecom_events ORDER BY 1, 2, 3")
        assert.deepStrictEqual(yield* warehouse(staged.SQLITE_PATH), yield* warehouse(full.SQLITE_PATH))
        assert.deepStrictEqual(salesforceRecords(sfStaged), salesforceRecords(sfFull))
        assert.isAbove(salesforceRecords(sfFull).length, 0)
        const stagedRuns = yield* sqlite<{ status: string }>(staged.SQLITE_PATH, "SELECT status FROM pipeline_run")
        assert.deepStrictEqual(stagedRuns, [{ status: "SUCCESS_WITH_REJECTS" }])
        // The last stage cleaned the hand-over files off its disk (and the lake) once the week was done.
        assert.deepStrictEqual(readdirSync(`${root}/b-salesforce-sync/data/raw_events/${partition}`), ["_SUCCESS.json"])

        // A failing quality gate on the next week: exit 1, the checkpoint stays where it was.
        const gated = yield* runCli(["run", "--use-checkpoint"], {
          env: { ...full, ...worker(root, "a"), REJECT_THRESHOLD_PCT: "0.5" },
        })
        assert.strictEqual(gated.code, 1)
        assert.include(gated.stderr, '"error_type":"DataQualityError"')
        assert.strictEqual(yield* checkpoint, "2019-12-08")
        const failed = yield* sqlite<{ week_start: string; status: string }>(
          full.SQLITE_PATH,
          "SELECT week_start, status FROM pipeline_run WHERE status = 'FAILED'",
        )
        assert.deepStrictEqual(failed, [{ week_start: "2019-12-08", status: "FAILED" }])

        // A run id that tries to climb out of the data directory stays a file name inside it.
        const hostile = yield* runCli(["run", ...WEEK, "--stage", "extract", "--local-only"], {
          env: { ...full, ...worker(root, "c"), AIRFLOW_CTX_DAG_RUN_ID: "../../x" },
        })
        assert.strictEqual(hostile.code, 0, hostile.stderr.slice(-1000))
        const names = readdirSync(`${root}/c/data/raw_events/${partition}`)
        assert.isTrue(
          names.some((n) => /^_stage_extract_[A-Za-z0-9_-]+\.json$/.test(n)),
          names.join(","),
        )
        assert.isFalse(existsSync(`${root}/c/x`) || existsSync(`${root}/x`))
      }),
    120_000,
  )
})
