import { Effect, Exit, FiberId, Layer, Option, Stream, TestClock } from "effect"
import { WarehouseError } from "../../../src/domain/Errors.js"
import { encodePendingLine, newPendingEntry } from "../../../src/domain/PendingUpdate.js"
import * as AppConfigProvider from "../../../src/layers/config/AppConfigProvider.js"
import * as StateStoreMemory from "../../../src/layers/state/StateStoreMemory.js"
import { CommandVerdict, ExitCode, exitCodeOf } from "../../../src/program/cli/ExitCodes.js"
import { readStatus } from "../../../src/program/operator/StatusReport.js"
import { type FailureCount, PipelineHistory, type RunRecord } from "../../../src/services/PipelineHistory.js"
import { StateStore } from "../../../src/services/StateStore.js"
import { assert, describe, it } from "../../support/vitest.js"
import { week } from "../../support/warehouse.js"

const DAY_MS = 86_400_000
const UPDATED = new Date("2019-12-08T06:00:00.000Z")

const run = (overrides: Partial<RunRecord>): RunRecord => ({
  runId: "r1",
  correlationId: "c1",
  weekStart: "2019-12-01",
  weekEnd: "2019-12-07",
  status: "SUCCESS",
  startedAt: new Date("2019-12-08T05:00:00Z"),
  finishedAt: new Date("2019-12-08T05:10:00Z"),
  rowsFetched: 10,
  rowsValid: 10,
  rowsRejected: 0,
  rejectRatePct: 0,
  rejectThresholdPct: 5,
  rowsSynced: 3,
  failedStage: null,
  errorType: null,
  errorMessage: null,
  outputPath: null,
  rejectsPath: null,
  ...overrides,
})

interface Fixture {
  readonly runs?: ReadonlyArray<RunRecord>
  readonly failures?: ReadonlyArray<FailureCount>
  readonly lastSyncedWeek?: { start: string; end: string }
  readonly queue?: ReadonlyArray<string>
}

/** What the warehouse and STATE_DIR answer, as given; the clock at `nowMs`. */
const statusAt = (nowMs: number, fixture: Fixture = {}) =>
  Effect.gen(function* () {
    yield* TestClock.setTime(nowMs)
    const store = yield* StateStore
    for (const line of fixture.queue ?? []) yield* store.appendPending(line)
    return yield* readStatus
  }).pipe(
    Effect.provide(
      Layer.mergeAll(
        StateStoreMemory.layer,
        AppConfigProvider.layerFromMap({ STATE_DIR: "/srv/state" }),
        Layer.succeed(
          PipelineHistory,
          PipelineHistory.of({
            checkpoint: Effect.succeed(Option.some({ next: week("2019-12-08", "2019-12-14"), updatedAt: UPDATED })),
            runs: () => Effect.succeed(fixture.runs ?? []),
            run: () => Effect.succeed(Option.none()),
            openBulkJobs: Effect.succeed([]),
            lastSyncedWeek: Effect.succeed(Option.fromNullable(fixture.lastSyncedWeek)),
            failureCounts: Effect.succeed(fixture.failures ?? []),
            failedRows: () => Stream.empty,
          }),
        ),
      ),
    ),
  )

const kinds = (report: { readonly problems: ReadonlyArray<{ readonly kind: string }> }) =>
  report.problems.map((p) => p.kind)

describe("status: what needs a person", () => {
  it.effect("a checkpoint is stale after more than 14 days, the rule the run's warning uses", () =>
    Effect.gen(function* () {
      const exactly = yield* statusAt(UPDATED.getTime() + 14 * DAY_MS)
      assert.deepStrictEqual(kinds(exactly), [])
      assert.isFalse(Option.getOrThrow(exactly.checkpoint).stale)
      const past = yield* statusAt(UPDATED.getTime() + 14 * DAY_MS + 1)
      assert.deepStrictEqual(kinds(past), ["stale_checkpoint"])
      assert.strictEqual(
        past.problems[0]?.message,
        "the checkpoint has not moved for 14 days (more than 14; week 2019-12-08..2019-12-14 runs next): runs may have been missed",
      )
    }),
  )

  it.effect("only the last run counts: a failure a later run made good is history", () =>
    Effect.gen(function* () {
      const failed = run({
        runId: "r2",
        status: "FAILED",
        failedStage: "load",
        errorType: "WarehouseError",
        errorMessage: "disk full",
      })
      const now = UPDATED.getTime()
      const last = yield* statusAt(now, { runs: [failed, run({})] })
      assert.deepStrictEqual(last.problems, [
        {
          kind: "last_run_failed",
          message: "the last run r2 (week 2019-12-01..2019-12-07) FAILED in load: WarehouseError: disk full",
        },
      ])
      assert.deepStrictEqual(kinds(yield* statusAt(now, { runs: [run({ runId: "r3" }), failed] })), [])
      assert.deepStrictEqual(kinds(yield* statusAt(now, { runs: [run({ status: "RUNNING" })] })), [])
    }),
  )

  it.effect("a queue line is poison when it cannot be read or failed 5 replays; fewer is waiting", () =>
    Effect.gen(function* () {
      const entry = (attempts: number) =>
        encodePendingLine({
          ...newPendingEntry({ _tag: "AdvanceCheckpoint", completed: week("2019-12-01", "2019-12-07") }, UPDATED),
          attempts,
          lastError: "SQLITE_BUSY",
        })
      const report = yield* statusAt(UPDATED.getTime(), { queue: [entry(4), "not json", entry(5)] })
      assert.deepStrictEqual(
        report.queue.waiting.map((w) => [w.line, w.entry.attempts]),
        [[1, 4]],
      )
      assert.deepStrictEqual(
        report.queue.poison.map((p) => [p.line, p.reason.split(":")[0]]),
        [
          [2, "cannot be read"],
          [3, "the checkpoint after week 2019-12-01..2019-12-07 failed 5 replays"],
        ],
      )
      assert.deepStrictEqual(kinds(report), ["poison_line", "poison_line"])
      assert.strictEqual(report.queue.path, "/srv/state/pending_db_updates.jsonl")
    }),
  )

  it.effect(
    "rows not in sync need a person when they are of the week the last sync sent; older weeks are counted only",
    () =>
      Effect.gen(function* () {
        const failures: ReadonlyArray<FailureCount> = [
          { weekStart: "2019-12-08", weekEnd: "2019-12-14", outcome: "failed", errorCode: "CODE_A", rows: 2 },
          { weekStart: "2019-12-08", weekEnd: "2019-12-14", outcome: "unprocessed", errorCode: null, rows: 1 },
          { weekStart: "2019-12-01", weekEnd: "2019-12-07", outcome: "failed", errorCode: "CODE_B", rows: 5 },
        ]
        const now = UPDATED.getTime()
        const latest = yield* statusAt(now, { failures, lastSyncedWeek: { start: "2019-12-08", end: "2019-12-14" } })
        assert.deepStrictEqual(latest.problems, [
          {
            kind: "salesforce_rows_failing",
            message:
              "3 rows of week 2019-12-08..2019-12-14 did not reach Salesforce in its last sync (CODE_A 2, unprocessed 1): fix the data, then re-run the week; `reverse-etl salesforce failures --week 2019-12-08` lists them",
          },
        ])
        const moved = yield* statusAt(now, { failures, lastSyncedWeek: { start: "2019-12-15", end: "2019-12-21" } })
        assert.deepStrictEqual(kinds(moved), [])
        assert.lengthOf(moved.salesforce.failures, 3, "still shown")
      }),
  )
})

describe("exit codes", () => {
  it.effect("0 success, 3 a needs-attention verdict, 130 interrupted, 1 any other failure or defect", () =>
    Effect.sync(() => {
      assert.strictEqual(exitCodeOf(Exit.void), ExitCode.ok)
      assert.strictEqual(exitCodeOf(Exit.fail(new CommandVerdict({ code: ExitCode.needsAttention, message: "x" }))), 3)
      assert.strictEqual(exitCodeOf(Exit.interrupt(FiberId.none)), 130)
      assert.strictEqual(exitCodeOf(Exit.fail(new WarehouseError({ message: "down" }))), 1)
      assert.strictEqual(exitCodeOf(Exit.die(new Error("bug"))), 1)
    }),
  )
})
