import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import type { Fault } from "../../../src/emulators/events-api/EcomFaults.js"
import { noFaults } from "../../../src/emulators/events-api/EcomFaults.js"
import { Warehouse } from "../../../src/services/Warehouse.js"
import { jsonLines, startCli } from "../../support/cli.js"
import { API_KEY, ecomApi, eventually } from "../../support/ecomApi.js"
import { readQuery, runStatement } from "../../support/sqlite.js"
import { scopedTempDir } from "../../support/TempDir.js"
import { assert, describe, it } from "../../support/vitest.js"
import { sqliteWarehouse } from "../../support/warehouse.js"

/**
 * Airflow stops a task with SIGTERM. A real `run`, `schedule` and `backfill` process gets it in
 * the middle of its extract (the events API emulator holds page 2, and the signal goes out once
 * the emulator has seen that request), and must exit 130 with its run row saying it was
 * interrupted, the checkpoint (warehouse and mirror) and the pending queue as they were, and no
 * half-written file in the week's directory.
 */

const WEEK_START = "2019-12-01"
const MIRROR = `${JSON.stringify(
  {
    next_week_start: WEEK_START,
    next_week_end: "2019-12-07",
    last_completed_week_start: "2019-11-24",
    last_completed_week_end: "2019-11-30",
    updated_at: "2019-12-01T07:00:00.000Z",
    warehouse_synced: true,
  },
  null,
  2,
)}\n`
/** A line no version of the program can read: replay keeps it verbatim for a person. */
const POISON = '{"version":9,"hand":"edited"}\n'

/** A warehouse migrated once, its checkpoint at the week; each process gets a copy. */
const migratedTemplate = (dir: string) =>
  Effect.gen(function* () {
    const path = `${dir}/template.sqlite`
    yield* Effect.flatMap(Warehouse, (w) => w.migrate).pipe(Effect.provide(sqliteWarehouse(path)))
    runStatement(
      path,
      "INSERT INTO pipeline_checkpoint (checkpoint_id, next_week_start, next_week_end, updated_at) VALUES (1, ?, ?, ?)",
      WEEK_START,
      "2019-12-07",
      "2019-12-01T07:00:00.000Z",
    )
    return path
  })

const files = (dir: string): Array<string> =>
  existsSync(dir)
    ? readdirSync(dir).flatMap((name) => {
        const full = join(dir, name)
        return statSync(full).isDirectory() ? files(full) : [full]
      })
    : []

/**
 * Runs `args` as a real process against an emulator whose second data request is held for
 * `holdMs`, sends SIGTERM once the emulator has that request, and checks what the process left.
 */
const interrupted = (
  root: string,
  template: string,
  name: string,
  args: ReadonlyArray<string>,
  holdMs: number,
  expectStages: ReadonlyArray<{ stage: string; status: string }>,
) =>
  Effect.scoped(
    Effect.gen(function* () {
      const dir = `${root}/${name}`
      mkdirSync(`${dir}/state`, { recursive: true })
      const sqlite = `${dir}/warehouse.sqlite`
      copyFileSync(template, sqlite)
      writeFileSync(`${dir}/state/extractor_state.json`, MIRROR)
      writeFileSync(`${dir}/state/pending_db_updates.jsonl`, POISON)
      const sequence: ReadonlyArray<Fault> = ["ok", "slow"]
      const api = yield* ecomApi({
        data: { seed: 5, eventsPerWeek: 2_000, malformedPct: 0 },
        faults: { ...noFaults, sequence, slowMs: holdMs },
      })
      const env = {
        API_BASE_URL: api.url,
        API_KEY,
        API_RATE_LIMIT_DELAY: "0",
        API_PAGE_SIZE: "250",
        API_TIMEOUT_SECONDS: "60",
        WAREHOUSE: "sqlite",
        SQLITE_PATH: sqlite,
        LOCAL_DATA_DIR: `${dir}/data/raw_events`,
        LOCAL_REJECTS_DIR: `${dir}/data/raw_events_rejects`,
        STATE_DIR: `${dir}/state`,
        TRANSFORM_WORKERS: "0",
        SF_USERNAME: "retl@example.com",
        SF_PASSWORD: "password",
        SF_SECURITY_TOKEN: "token",
        WEEK_START,
        WEEK_END: "2019-12-07",
      }
      const process = yield* startCli(args, { env, cwd: dir })
      const held = () => api.requests().filter((r) => r.path === "/datasets/ecom_events").length >= 2
      yield* eventually(`${name} asks for page 2`, held)
      process.signal("SIGTERM")
      const result = yield* process.exited
      const where = `${args.join(" ")}:\n${result.stderr.slice(-2000)}`
      assert.strictEqual(result.code, 130, where)
      const runs = readQuery(sqlite, "SELECT run_id, week_start, status, error_type FROM pipeline_run")
      assert.deepStrictEqual(
        runs.map(({ run_id: _, ...row }) => row),
        [{ week_start: WEEK_START, status: "FAILED", error_type: "Interrupted" }],
        where,
      )
      const stages = readQuery(
        sqlite,
        `SELECT stage, status FROM pipeline_stage WHERE run_id = '${runs[0]?.run_id}' ORDER BY started_at`,
      )
      assert.deepStrictEqual(stages, [...expectStages], where)
      assert.deepStrictEqual(readQuery(sqlite, "SELECT next_week_start FROM pipeline_checkpoint"), [
        { next_week_start: WEEK_START },
      ])
      assert.strictEqual(readFileSync(`${dir}/state/extractor_state.json`, "utf8"), MIRROR)
      assert.strictEqual(readFileSync(`${dir}/state/pending_db_updates.jsonl`, "utf8"), POISON)
      assert.deepStrictEqual(readQuery(sqlite, "SELECT COUNT(*) AS n FROM ecom_events"), [{ n: 0 }])
      return { dir, result }
    }),
  )

describe("SIGTERM to a real process mid-extract", () => {
  it.scopedLive(
    "run, schedule and backfill exit 130, their run row interrupted, checkpoint and queue untouched",
    () =>
      Effect.gen(function* () {
        const root = yield* scopedTempDir("retl-sigterm-")
        const template = yield* migratedTemplate(root)
        const [run, schedule, backfill] = yield* Effect.all(
          [
            // A run is interrupted where it stands: its extract never ends, nothing is left of it.
            interrupted(root, template, "run", ["run", "--use-checkpoint"], 300_000, [
              { stage: "extract", status: "FAILED" },
            ]),
            // The scheduler lets the stage in progress end (page 2 comes after a second), then stops.
            interrupted(root, template, "schedule", ["schedule", "--cron", "* * * * * *"], 1_000, [
              { stage: "extract", status: "SUCCESS" },
            ]),
            interrupted(root, template, "backfill", ["backfill", "--from", WEEK_START, "--to", WEEK_START], 300_000, [
              { stage: "extract", status: "FAILED" },
            ]),
          ],
          { concurrency: "unbounded" },
        )
        for (const interruptedRun of [run, backfill]) {
          assert.deepStrictEqual(
            files(`${interruptedRun.dir}/data`),
            [],
            "an interrupted extract leaves no file behind",
          )
        }
        assert.isTrue(jsonLines(schedule.result.stderr).some((l) => l.message === "Scheduler stopped"))
      }),
    120_000,
  )
})
