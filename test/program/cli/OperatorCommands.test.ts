import { createHash } from "node:crypto"
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { parse } from "csv-parse/sync"
import { Effect } from "effect"
import { encodePendingLine } from "../../../src/domain/PendingUpdate.js"
import { adlsEmulator } from "../../../src/emulators/adls/AdlsEmulator.js"
import { ecomApiDefaults, serveEcomApi } from "../../../src/emulators/events-api/EcomApiServer.js"
import {
  type EcomData,
  malformationAt,
  malformedRecords,
  pageRecords,
} from "../../../src/emulators/events-api/EcomDataGenerator.js"
import { type SalesforceEmulator, salesforceEmulator } from "../../../src/emulators/salesforce/SalesforceEmulator.js"
import { emulatorSettings } from "../../../src/program/cli/EmulatorSettings.js"
import type { runJson, stageJson, statusJson } from "../../../src/program/operator/OperatorJson.js"
import { jsonLines, runCli } from "../../support/cli.js"
import { readQuery, runStatement } from "../../support/sqlite.js"

const API_KEY = "operator-api-key"
const WEEK_1 = { start: "2019-12-01", end: "2019-12-07" }
const WEEK_2 = { start: "2019-12-08", end: "2019-12-14" }
const EVENTS = 2_000
const OBJECT = "Customer_Weekly_Metric__c"
const DAY_MS = 86_400_000

/** A directory of the test's own, removed when the test ends. */
const tempRoot = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "retl-operator-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true })),
)

/** The demo's setup: the three emulators in this process, SQLite and state under `dir`. */
const deployment = (dir: string, data: EcomData, salesforce: (sf: SalesforceEmulator) => void = () => {}) =>
  Effect.gen(function* () {
    const api = yield* serveEcomApi({ ...ecomApiDefaults, data, withTotal: true, apiKey: API_KEY })
    const lake = yield* adlsEmulator({})
    const sf = yield* salesforceEmulator({})
    salesforce(sf)
    const env: Record<string, string> = {
      ...emulatorSettings({ eventsApi: api.url, apiKey: API_KEY, adls: lake.url, salesforce: sf.url }, dir),
      TRANSFORM_WORKERS: "0",
      SF_POLL_INTERVAL_SECONDS: "0.05",
    }
    return { env, sf, sqlite: `${dir}/warehouse.sqlite`, queue: `${dir}/state/pending_db_updates.jsonl` }
  })

const cli = (args: ReadonlyArray<string>, env: Record<string, string>) => Effect.promise(() => runCli(args, { env }))

const runWeek = (week: { start: string; end: string }, env: Record<string, string>) =>
  Effect.gen(function* () {
    const result = yield* cli(["run", "--week-start", week.start, "--week-end", week.end], env)
    assert.strictEqual(result.code, 0, result.stderr.slice(-2000))
  })

type StatusJson = ReturnType<typeof statusJson>
type RunShowJson = { readonly run: ReturnType<typeof runJson>; readonly stages: Array<ReturnType<typeof stageJson>> }

const parseJson = <A = StatusJson>(stdout: string) => JSON.parse(stdout) as A

/**
 * Every file under `dir` with its size and hash: what "nothing was written" is checked against.
 * SQLite's own `-wal` and `-shm` files are left out: whichever connection closes last removes
 * them, as the pipeline's own processes may leave them.
 */
const snapshot = (dir: string): Record<string, string> =>
  Object.fromEntries(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && !/-(wal|shm)$/.test(entry.name))
      .map((entry) => {
        const path = join(entry.parentPath, entry.name)
        const hash = createHash("sha256").update(readFileSync(path)).digest("hex").slice(0, 16)
        return [path, `${statSync(path).size}:${hash}`]
      }),
  )

/** The customers Salesforce holds now, by the emulator's own store. */
const storedCustomers = (sf: SalesforceEmulator) => sf.store.records(OBJECT).size

/** The customer of the first well-formed record of week 1: its row is certainly in the week's export. */
const firstCustomer = (data: EcomData): string => {
  const records = pageRecords(data, WEEK_1, 1, 50)
  const index = records.findIndex((_, i) => malformationAt(data, WEEK_1, i) === undefined)
  return String((JSON.parse(records[index] ?? "{}") as { user_id: number | string }).user_id)
}

/** The customers of week 1, by the generator: each has one row in the export, all of them synced. */
const customersOf = (data: EcomData) =>
  new Set(pageRecords(data, WEEK_1, 1, data.eventsPerWeek).map((r) => (JSON.parse(r) as { user_id: unknown }).user_id))
    .size

const rejectedIn = (data: EcomData, week: { start: string; end: string }) =>
  [...malformedRecords(data, week)].filter((m) => m.rejected).length

describe("status, runs and salesforce failures on warehouses made by real runs (CLI processes, emulators)", () => {
  it.scopedLive(
    "after a successful demo week: status --json names the next week, the SUCCESS run and its counts, an empty queue; exit 0, nothing written",
    () =>
      Effect.gen(function* () {
        const root = yield* tempRoot
        const data = { seed: 3, eventsPerWeek: EVENTS, malformedPct: 0 }
        const demo = yield* cli(
          ["demo", "--dir", `${root}/demo`, "--events", String(EVENTS), "--malformed-pct", "0", "--seed", "3"],
          {},
        )
        assert.strictEqual(demo.code, 0, demo.stderr.slice(-2000))
        // The summary ends with the command that shows this demo's warehouse and state.
        const hint = demo.stdout.trimEnd().split("\n").at(-1) ?? ""
        const command = /: SQLITE_PATH=(\S+) STATE_DIR=(\S+) node dist\/program\/bin\.js status$/.exec(hint)
        assert.isNotNull(command, hint)
        const env = { SQLITE_PATH: command?.[1] ?? "", STATE_DIR: command?.[2] ?? "" }
        const sqlite = env.SQLITE_PATH
        assert.strictEqual(sqlite, `${root}/demo/warehouse.sqlite`)
        const [run] = readQuery(sqlite, "SELECT run_id FROM pipeline_run")
        const before = snapshot(root)

        const result = yield* cli(["status", "--json"], env)
        assert.strictEqual(result.code, 0, result.stderr)
        const status = parseJson(result.stdout)
        assert.strictEqual(status.status, "healthy")
        assert.strictEqual(status.exit_code, 0)
        assert.deepStrictEqual(status.problems, [])
        assert.deepInclude(status.checkpoint, {
          next_week_start: WEEK_2.start,
          next_week_end: WEEK_2.end,
          stale: false,
        })
        assert.lengthOf(status.runs, 1)
        assert.deepInclude(status.runs[0], {
          run_id: String(run?.run_id),
          week_start: WEEK_1.start,
          week_end: WEEK_1.end,
          status: "SUCCESS",
          rows_fetched: EVENTS,
          rows_valid: EVENTS,
          rows_rejected: 0,
          rows_synced: customersOf(data),
          failed_stage: null,
          error_type: null,
        })
        assert.isAbove(customersOf(data), 100)
        assert.deepStrictEqual(status.pending_queue.waiting, [])
        assert.deepStrictEqual(status.pending_queue.poison, [])
        assert.deepStrictEqual(status.salesforce.open_bulk_jobs, [])
        assert.strictEqual(status.salesforce.rows_not_in_sync, 0)

        const text = yield* cli(["status"], env)
        assert.strictEqual(text.code, 0, text.stderr)
        assert.include(text.stdout, `week ${WEEK_2.start}..${WEEK_2.end} runs next`)
        assert.include(text.stdout, "Healthy: nothing needs a person (exit 0)")
        assert.notInclude(text.stdout, "\u001b[", "no colour when stdout is not a terminal")
        assert.strictEqual(text.stderr, "", "a healthy status logs nothing")
        const history = yield* cli(["runs"], env)
        assert.strictEqual(history.code, 0, history.stderr)
        assert.match(history.stdout, new RegExp(`${run?.run_id}\\s+${WEEK_1.start}\\.\\.${WEEK_1.end}\\s+SUCCESS\\s`))

        // Reads only: every file under the deployment is as it was, no -wal/-shm left behind.
        assert.deepStrictEqual(snapshot(root), before)

        // A checkpoint that has not moved for more than 14 days needs a person; 13 days does not.
        const setAge = (days: number) =>
          runStatement(
            sqlite,
            "UPDATE pipeline_checkpoint SET updated_at = ?",
            new Date(Date.now() - days * DAY_MS).toISOString(),
          )
        setAge(13)
        assert.strictEqual((yield* cli(["status"], env)).code, 0)
        setAge(15)
        const stale = yield* cli(["status", "--json"], env)
        assert.strictEqual(stale.code, 3)
        const staleStatus = parseJson(stale.stdout)
        assert.deepStrictEqual(
          staleStatus.problems.map((p) => p.kind),
          ["stale_checkpoint"],
        )
        assert.include(staleStatus.problems[0]?.message ?? "", "has not moved for 15 days")
      }),
    120_000,
  )

  it.scopedLive(
    "after a failed quality gate, a poison line and a failed Salesforce row: exit 3 naming each; runs show and salesforce failures name the rest",
    () =>
      Effect.gen(function* () {
        const root = yield* tempRoot
        const data = { seed: 9, eventsPerWeek: EVENTS, malformedPct: 2 }
        const blocked = firstCustomer(data)
        const ruleMessage = "Customer_Id__c is on the emulator's block list"
        const { env, sf, sqlite, queue } = yield* deployment(`${root}/demo`, data, (emulator) => {
          emulator.store.rules = [
            { field: "Customer_Id__c", fails: (value) => value === blocked, message: ruleMessage },
          ]
        })

        // Week 1 goes through; Salesforce refuses one customer's row (under SF_MAX_ERROR_RATE_PCT).
        yield* runWeek(WEEK_1, env)
        const failedId = `${blocked}:${WEEK_1.start}`
        assert.isUndefined(sf.store.find(OBJECT, failedId), "the emulator refused the row")
        assert.isTrue(sf.requests.some((r) => r.kind === "upload" && r.externalIds?.includes(failedId)))

        // A hand-edited line, and a write the next run's replay fails a fifth time: both poison.
        appendFileSync(queue, '{"version":1,"queuedAt":"2019-12-08T06:00:00.000Z","attempts":\n')
        appendFileSync(
          queue,
          `${encodePendingLine({
            version: 1,
            queuedAt: new Date("2019-12-08T06:00:00.000Z"),
            attempts: 4,
            lastError: "warehouse unreachable",
            update: {
              _tag: "FinishRun",
              run: {
                runId: "ghost-run",
                status: "SUCCESS",
                metrics: {
                  rows_fetched: 1,
                  rows_output: 1,
                  rows_rejected: 0,
                  reject_rate_pct: 0,
                  reject_threshold_pct: 5,
                },
                finishedAt: new Date("2019-12-08T06:00:00.000Z"),
                outputPath: null,
                rejectsPath: null,
                errorType: null,
                errorMessage: null,
              },
            },
          })}\n`,
        )

        // Week 2 fails its quality gate.
        const gated = yield* cli(["run", "--use-checkpoint"], { ...env, REJECT_THRESHOLD_PCT: "0.5" })
        assert.strictEqual(gated.code, 1)
        const runs = readQuery(sqlite, "SELECT run_id, week_start, status, error_message FROM pipeline_run")
        const failed = runs.find((r) => r.status === "FAILED")
        const week1 = runs.find((r) => r.week_start === WEEK_1.start)
        assert.strictEqual(failed?.week_start, WEEK_2.start)
        assert.include(String(failed?.error_message), `${rejectedIn(data, WEEK_2)} of ${EVENTS} records rejected`)
        const queueBefore = readFileSync(queue, "utf8")

        const text = yield* cli(["status", "--log-format", "json"], env)
        assert.strictEqual(text.code, 3, text.stderr)
        const attention = text.stdout.slice(text.stdout.indexOf("Needs attention (exit 3)"))
        assert.include(attention, `the last run ${failed?.run_id} (week ${WEEK_2.start}..${WEEK_2.end}) FAILED`)
        assert.include(attention, "in quality-gate: DataQualityError")
        assert.include(
          attention,
          `line 1 of ${queue} is poison (cannot be read: Unexpected end of JSON input): fix or delete it`,
        )
        assert.include(
          attention,
          `line 2 of ${queue} is poison (the end of run ghost-run failed 5 replays: warehouse finishRun found no pipeline_run row`,
        )
        assert.include(
          attention,
          `1 row of week ${WEEK_1.start}..${WEEK_1.end} did not reach Salesforce in its last sync (FIELD_CUSTOM_VALIDATION_EXCEPTION 1)`,
        )
        const warning = jsonLines(text.stderr).find((l) => l.level === "WARNING")
        assert.strictEqual(warning?.exit_code, 3)
        assert.strictEqual(readFileSync(queue, "utf8"), queueBefore, "status replays nothing")

        const json = yield* cli(["status", "--json"], env)
        assert.strictEqual(json.code, 3)
        const status = parseJson(json.stdout)
        assert.strictEqual(status.status, "needs_attention")
        assert.deepStrictEqual(
          status.problems.map((p) => p.kind),
          ["last_run_failed", "poison_line", "poison_line", "salesforce_rows_failing"],
        )
        assert.deepInclude(status.checkpoint, { next_week_start: WEEK_2.start, stale: false })
        assert.deepInclude(status.runs[0], {
          run_id: String(failed?.run_id),
          status: "FAILED",
          failed_stage: "quality-gate",
          error_type: "DataQualityError",
          rows_fetched: EVENTS,
          rows_rejected: rejectedIn(data, WEEK_2),
          rows_synced: null,
        })
        assert.deepInclude(status.runs[1], {
          run_id: String(week1?.run_id),
          status: "SUCCESS_WITH_REJECTS",
          rows_rejected: rejectedIn(data, WEEK_1),
          rows_synced: storedCustomers(sf),
        })
        assert.deepStrictEqual(
          status.pending_queue.poison.map((p) => [p.line, p.attempts]),
          [
            [1, null],
            [2, 5],
          ],
        )
        assert.deepStrictEqual(status.salesforce.not_in_sync, [
          {
            week_start: WEEK_1.start,
            week_end: WEEK_1.end,
            outcome: "failed",
            error_code: "FIELD_CUSTOM_VALIDATION_EXCEPTION",
            rows: 1,
          },
        ])

        const show = yield* cli(["runs", "show", String(failed?.run_id)], env)
        assert.strictEqual(show.code, 0, show.stderr)
        assert.match(show.stdout, /quality-gate\s+FAILED/)
        assert.include(show.stdout, `quality-gate failed: DataQualityError: ${failed?.error_message}`)
        const shown = parseJson<RunShowJson>(
          (yield* cli(["runs", "show", String(failed?.run_id), "--json"], env)).stdout,
        )
        assert.deepStrictEqual(
          shown.stages.map((s) => [s.stage, s.status, s.rows_out]),
          [
            ["extract", "SUCCESS", EVENTS],
            ["transform", "SUCCESS", EVENTS - rejectedIn(data, WEEK_2)],
            ["load", "SUCCESS", EVENTS - rejectedIn(data, WEEK_2)],
            ["quality-gate", "FAILED", null],
          ],
        )

        const csv = `${root}/out/failures.csv`
        const written = yield* cli(["salesforce", "failures", "--out", csv], env)
        assert.strictEqual(written.code, 0, written.stderr)
        assert.strictEqual(written.stdout.trim(), `wrote 1 row not in sync to ${csv}`)
        const rows = parse(readFileSync(csv, "utf8"), { columns: true }) as Array<Record<string, string>>
        assert.lengthOf(rows, 1)
        assert.deepInclude(rows[0], {
          external_id: failedId,
          week_start: WEEK_1.start,
          week_end: WEEK_1.end,
          outcome: "failed",
          error_code: "FIELD_CUSTOM_VALIDATION_EXCEPTION",
          run_id: String(week1?.run_id),
        })
        assert.include(rows[0]?.error_message, ruleMessage)
        const otherWeek = yield* cli(["salesforce", "failures", "--week", "2019-12-10"], env)
        assert.strictEqual(otherWeek.stdout.trim(), "no rows out of sync with Salesforce")

        // The rule lifted and week 1 re-run: the row reaches Salesforce, and nothing is out of sync.
        sf.store.rules = []
        const again = yield* cli(["run", "--week-start", WEEK_1.start, "--week-end", WEEK_1.end, "--force"], env)
        assert.strictEqual(again.code, 0, again.stderr.slice(-2000))
        assert.isDefined(sf.store.find(OBJECT, failedId))
        const after = parseJson((yield* cli(["status", "--json"], env)).stdout)
        assert.strictEqual(after.salesforce.rows_not_in_sync, 0)
        assert.deepStrictEqual(
          after.problems.map((p) => p.kind),
          ["poison_line", "poison_line"],
        )
        const none = yield* cli(["salesforce", "failures"], env)
        assert.strictEqual(none.stdout.trim(), "no rows out of sync with Salesforce")
      }),
    180_000,
  )
})
