import { appendFileSync, readFileSync } from "node:fs"
import { parse } from "csv-parse/sync"
import { Effect } from "effect"
import { encodePendingLine } from "../../../src/domain/PendingUpdate.js"
import { jsonLines } from "../../support/cli.js"
import {
  cli,
  deployment,
  EVENTS,
  firstCustomer,
  inProcess,
  OBJECT,
  parseJson,
  type RunShowJson,
  rejectedIn,
  runWeek,
  storedCustomers,
  tempRoot,
  WEEK_1,
  WEEK_2,
} from "../../support/operator.js"
import { readQuery } from "../../support/sqlite.js"
import { assert, describe, it } from "../../support/vitest.js"

const RULE_MESSAGE = "Customer_Id__c is on the emulator's block list"

/** A queued end of a run whose start was never recorded, failed 4 replays: the next replay is its fifth. */
const ghostRunEnd = encodePendingLine({
  version: 1,
  queuedAt: new Date("2019-12-08T06:00:00.000Z"),
  attempts: 4,
  lastError: "warehouse unreachable",
  update: {
    _tag: "FinishRun",
    run: {
      runId: "ghost-run",
      status: "SUCCESS",
      metrics: { rows_fetched: 1, rows_output: 1, rows_rejected: 0, reject_rate_pct: 0, reject_threshold_pct: 5 },
      finishedAt: new Date("2019-12-08T06:00:00.000Z"),
      outputPath: null,
      rejectsPath: null,
      errorType: null,
      errorMessage: null,
    },
  },
})

/**
 * Week 1 goes through with one customer's row refused by Salesforce (under SF_MAX_ERROR_RATE_PCT);
 * a hand-edited queue line and a write that the next replay fails a fifth time are poison; week 2
 * fails its quality gate.
 */
const troubledWeeks = Effect.gen(function* () {
  const root = yield* tempRoot
  const data = { seed: 9, eventsPerWeek: EVENTS, malformedPct: 2 }
  const blocked = firstCustomer(data)
  const stand = yield* deployment(`${root}/demo`, data, (emulator) => {
    emulator.store.rules = [{ field: "Customer_Id__c", fails: (value) => value === blocked, message: RULE_MESSAGE }]
  })
  const { env, sf, sqlite, queue } = stand
  yield* runWeek(WEEK_1, env)
  const failedId = `${blocked}:${WEEK_1.start}`
  assert.isUndefined(sf.store.find(OBJECT, failedId), "the emulator refused the row")
  // A small week goes through sObject Collections; a big one would go as a Bulk upload: either way it was sent.
  const sentIn = (r: (typeof sf.requests)[number]) => r.kind === "upload" || r.kind === "collectionsUpsert"
  assert.isTrue(sf.requests.some((r) => sentIn(r) && r.externalIds?.includes(failedId)))

  appendFileSync(queue, '{"version":1,"queuedAt":"2019-12-08T06:00:00.000Z","attempts":\n')
  appendFileSync(queue, `${ghostRunEnd}\n`)

  const gated = yield* cli(["run", "--use-checkpoint"], { ...env, REJECT_THRESHOLD_PCT: "0.5" })
  assert.strictEqual(gated.code, 1)
  const runs = readQuery(sqlite, "SELECT run_id, week_start, status, error_message FROM pipeline_run")
  const failed = runs.find((r) => r.status === "FAILED")
  const week1 = runs.find((r) => r.week_start === WEEK_1.start)
  assert.strictEqual(failed?.week_start, WEEK_2.start)
  assert.include(String(failed?.error_message), `${rejectedIn(data, WEEK_2)} of ${EVENTS} records rejected`)
  return {
    ...stand,
    root,
    data,
    failedId,
    failedRun: String(failed?.run_id),
    failedMessage: String(failed?.error_message),
    week1Run: String(week1?.run_id),
  }
})

type Stand = Effect.Effect.Success<typeof troubledWeeks>

const statusNamesEach = ({ env, queue, failedRun }: Stand) =>
  Effect.gen(function* () {
    const queueBefore = readFileSync(queue, "utf8")
    const text = yield* cli(["status", "--log-format", "json"], env)
    assert.strictEqual(text.code, 3, text.stderr)
    const attention = text.stdout.slice(text.stdout.indexOf("Needs attention (exit 3)"))
    assert.include(attention, `the last run ${failedRun} (week ${WEEK_2.start}..${WEEK_2.end}) FAILED`)
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
  })

const statusJsonNamesEach = ({ env, sf, data, failedRun, week1Run }: Stand) =>
  Effect.gen(function* () {
    const json = yield* inProcess(["status", "--json"], env)
    assert.strictEqual(json.code, 3)
    const status = parseJson(json.stdout)
    assert.strictEqual(status.status, "needs_attention")
    assert.deepStrictEqual(
      status.problems.map((p) => p.kind),
      ["last_run_failed", "poison_line", "poison_line", "salesforce_rows_failing"],
    )
    assert.deepInclude(status.checkpoint, { next_week_start: WEEK_2.start, stale: false })
    assert.deepInclude(status.runs[0], {
      run_id: failedRun,
      status: "FAILED",
      failed_stage: "quality-gate",
      error_type: "DataQualityError",
      rows_fetched: EVENTS,
      rows_rejected: rejectedIn(data, WEEK_2),
      rows_synced: null,
    })
    assert.deepInclude(status.runs[1], {
      run_id: week1Run,
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
  })

const runShowNamesTheStage = ({ env, data, failedRun, failedMessage }: Stand) =>
  Effect.gen(function* () {
    const show = yield* inProcess(["runs", "show", failedRun], env)
    assert.strictEqual(show.code, 0, show.stderr)
    assert.match(show.stdout, /quality-gate\s+FAILED/)
    assert.include(show.stdout, `quality-gate failed: DataQualityError: ${failedMessage}`)
    const shown = parseJson<RunShowJson>((yield* inProcess(["runs", "show", failedRun, "--json"], env)).stdout)
    const valid = EVENTS - rejectedIn(data, WEEK_2)
    assert.deepStrictEqual(
      shown.stages.map((s) => [s.stage, s.status, s.rows_out]),
      [
        ["extract", "SUCCESS", EVENTS],
        ["transform", "SUCCESS", valid],
        ["load", "SUCCESS", valid],
        ["quality-gate", "FAILED", null],
      ],
    )
  })

const failuresCsvHoldsTheRow = ({ env, root, failedId, week1Run }: Stand) =>
  Effect.gen(function* () {
    const csv = `${root}/out/failures.csv`
    const written = yield* inProcess(["salesforce", "failures", "--out", csv], env)
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
      run_id: week1Run,
    })
    assert.include(rows[0]?.error_message, RULE_MESSAGE)
    const otherWeek = yield* inProcess(["salesforce", "failures", "--week", "2019-12-10"], env)
    assert.strictEqual(otherWeek.stdout.trim(), "no rows out of sync with Salesforce")
  })

/** The org's rule lifted and week 1 re-run: the row reaches Salesforce, and nothing is out of sync. */
const resyncClearsTheRow = ({ env, sf, failedId }: Stand) =>
  Effect.gen(function* () {
    sf.store.rules = []
    const again = yield* cli(["run", "--week-start", WEEK_1.start, "--week-end", WEEK_1.end, "--force"], env)
    assert.strictEqual(again.code, 0, again.stderr.slice(-2000))
    assert.isDefined(sf.store.find(OBJECT, failedId))
    const after = parseJson((yield* inProcess(["status", "--json"], env)).stdout)
    assert.strictEqual(after.salesforce.rows_not_in_sync, 0)
    assert.deepStrictEqual(
      after.problems.map((p) => p.kind),
      ["poison_line", "poison_line"],
    )
    const none = yield* inProcess(["salesforce", "failures"], env)
    assert.strictEqual(none.stdout.trim(), "no rows out of sync with Salesforce")
  })

describe("status when something needs a person (CLI processes, emulators, SQLite)", () => {
  it.scopedLive(
    "after a failed quality gate, a poison line and a refused Salesforce row: exit 3 naming each; runs show and salesforce failures name the rest",
    () =>
      Effect.gen(function* () {
        const stand = yield* troubledWeeks
        yield* statusNamesEach(stand)
        yield* statusJsonNamesEach(stand)
        yield* runShowNamesTheStage(stand)
        yield* failuresCsvHoldsTheRow(stand)
        yield* resyncClearsTheRow(stand)
      }),
    180_000,
  )
})
