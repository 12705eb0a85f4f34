import { Effect } from "effect"
import {
  cli,
  customersOf,
  DAY_MS,
  EVENTS,
  parseJson,
  snapshot,
  tempRoot,
  WEEK_1,
  WEEK_2,
} from "../../support/operator.js"
import { readQuery, runStatement } from "../../support/sqlite.js"
import { assert, describe, it } from "../../support/vitest.js"

const DATA = { seed: 3, eventsPerWeek: EVENTS, malformedPct: 0 }

/** `reverse-etl demo` on a week with no malformed record, then the settings its last line names. */
const demoWeek = Effect.gen(function* () {
  const root = yield* tempRoot
  const demo = yield* cli(
    ["demo", "--dir", `${root}/demo`, "--events", String(EVENTS), "--malformed-pct", "0", "--seed", String(DATA.seed)],
    {},
  )
  assert.strictEqual(demo.code, 0, demo.stderr.slice(-2000))
  const hint = demo.stdout.trimEnd().split("\n").at(-1) ?? ""
  const command = /: SQLITE_PATH=(\S+) STATE_DIR=(\S+) node dist\/program\/bin\.js status$/.exec(hint)
  assert.isNotNull(command, hint)
  const env = { SQLITE_PATH: command?.[1] ?? "", STATE_DIR: command?.[2] ?? "" }
  assert.strictEqual(env.SQLITE_PATH, `${root}/demo/warehouse.sqlite`)
  const [run] = readQuery(env.SQLITE_PATH, "SELECT run_id FROM pipeline_run")
  return { root, env, runId: String(run?.run_id) }
})

type Demo = Effect.Effect.Success<typeof demoWeek>

const statusJsonIsHealthy = ({ env, runId }: Demo) =>
  Effect.gen(function* () {
    const result = yield* cli(["status", "--json"], env)
    assert.strictEqual(result.code, 0, result.stderr)
    const status = parseJson(result.stdout)
    assert.strictEqual(status.status, "healthy")
    assert.strictEqual(status.exit_code, 0)
    assert.deepStrictEqual(status.problems, [])
    assert.deepInclude(status.checkpoint, { next_week_start: WEEK_2.start, next_week_end: WEEK_2.end, stale: false })
    assert.lengthOf(status.runs, 1)
    assert.deepInclude(status.runs[0], {
      run_id: runId,
      week_start: WEEK_1.start,
      week_end: WEEK_1.end,
      status: "SUCCESS",
      rows_fetched: EVENTS,
      rows_valid: EVENTS,
      rows_rejected: 0,
      rows_synced: customersOf(DATA),
      failed_stage: null,
      error_type: null,
    })
    assert.isAbove(customersOf(DATA), 100)
    assert.deepStrictEqual(status.pending_queue.waiting, [])
    assert.deepStrictEqual(status.pending_queue.poison, [])
    assert.deepStrictEqual(status.salesforce.open_bulk_jobs, [])
    assert.strictEqual(status.salesforce.rows_not_in_sync, 0)
  })

const textIsHealthy = ({ env, runId }: Demo) =>
  Effect.gen(function* () {
    const text = yield* cli(["status"], env)
    assert.strictEqual(text.code, 0, text.stderr)
    assert.include(text.stdout, `week ${WEEK_2.start}..${WEEK_2.end} runs next`)
    assert.include(text.stdout, "Healthy: nothing needs a person (exit 0)")
    assert.notInclude(text.stdout, "\u001b[", "no colour when stdout is not a terminal")
    assert.strictEqual(text.stderr, "", "a healthy status logs nothing")
    const history = yield* cli(["runs"], env)
    assert.strictEqual(history.code, 0, history.stderr)
    assert.match(history.stdout, new RegExp(`${runId}\\s+${WEEK_1.start}\\.\\.${WEEK_1.end}\\s+SUCCESS\\s`))
  })

/** A checkpoint that has not moved for more than 14 days needs a person; 13 days does not. */
const staleCheckpointNeedsAttention = ({ env }: Demo) =>
  Effect.gen(function* () {
    const setAge = (days: number) =>
      runStatement(
        env.SQLITE_PATH,
        "UPDATE pipeline_checkpoint SET updated_at = ?",
        new Date(Date.now() - days * DAY_MS).toISOString(),
      )
    setAge(13)
    assert.strictEqual((yield* cli(["status"], env)).code, 0)
    setAge(15)
    const stale = yield* cli(["status", "--json"], env)
    assert.strictEqual(stale.code, 3)
    const status = parseJson(stale.stdout)
    assert.deepStrictEqual(
      status.problems.map((p) => p.kind),
      ["stale_checkpoint"],
    )
    assert.include(status.problems[0]?.message ?? "", "has not moved for 15 days")
  })

describe("status on the warehouse a real demo week made (CLI processes)", () => {
  it.scopedLive(
    "after a successful demo week: status --json names the next week, the SUCCESS run and its counts, an empty queue; exit 0, nothing written",
    () =>
      Effect.gen(function* () {
        const demo = yield* demoWeek
        const before = snapshot(demo.root)
        yield* statusJsonIsHealthy(demo)
        yield* textIsHealthy(demo)
        // Reads only: every file under the demo's directory is as it was, byte for byte.
        assert.deepStrictEqual(snapshot(demo.root), before)
        yield* staleCheckpointNeedsAttention(demo)
      }),
    120_000,
  )
})
