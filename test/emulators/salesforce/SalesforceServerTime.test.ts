import { Effect } from "effect"
import type { BatchInterval } from "../../../src/emulators/salesforce/SalesforceBatchScheduler.js"
import { salesforceEmulator } from "../../../src/emulators/salesforce/SalesforceEmulator.js"
import { assert, describe, it } from "../../support/vitest.js"
import { awaitJob, keyedCsv, login, submitJob } from "./BulkClient.js"

/** The most intervals running at any one instant (a batch holds its slot over [startedAt, endedAt)). */
const mostAtOnce = (intervals: ReadonlyArray<BatchInterval>): number =>
  Math.max(
    0,
    ...intervals.map((at) => intervals.filter((b) => b.startedAt <= at.startedAt && at.startedAt < b.endedAt).length),
  )

/** A Salesforce timestamp (`2026-01-01T00:00:00.000+0000`) in milliseconds. */
const millis = (stamp: unknown) => Date.parse(String(stamp).replace("+0000", "Z"))

describe("Salesforce emulator: server time", () => {
  it.scopedLive("runs 10k/20k/10k-row jobs as 4 batches, 2 at a time, first in first out, 200 ms each", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator({ parallelBatches: 2, batchMs: 200 })
      const connection = yield* Effect.promise(() => login(emulator))
      const before = yield* Effect.promise(() => connection.limits())
      const a = yield* Effect.promise(() => submitJob(connection, keyedCsv("a", 10_000)))
      const b = yield* Effect.promise(() => submitJob(connection, keyedCsv("b", 20_000)))
      const c = yield* Effect.promise(() => submitJob(connection, keyedCsv("c", 10_000)))
      const done = yield* Effect.promise(() => Promise.all([a, b, c].map((job) => awaitJob(job, 25))))
      const ids = [a, b, c].map((job) => String(job.id))
      const batches = emulator.batches.intervals()

      // First in, first out: the order jobs were closed, then each job's batches in order.
      const queueOrder = [...batches].sort(
        (x, y) => x.queuedAt - y.queuedAt || ids.indexOf(x.jobId) - ids.indexOf(y.jobId) || x.index - y.index,
      )
      assert.deepStrictEqual(
        queueOrder.map((x) => [ids.indexOf(x.jobId), x.index, x.rows]),
        [
          [0, 0, 10_000],
          [1, 0, 10_000],
          [1, 1, 10_000],
          [2, 0, 10_000],
        ],
      )
      queueOrder.forEach((batch, i) => {
        assert.strictEqual(batch.endedAt - batch.startedAt, 200, `batch ${i} takes batchMs`)
        assert.isAtLeast(batch.startedAt, batch.queuedAt, `batch ${i} starts after its job is closed`)
        if (i > 0)
          assert.isAtLeast(batch.startedAt, queueOrder[i - 1]?.startedAt ?? 0, `batch ${i} starts in queue order`)
        // A batch that waited took the slot of one that ended at that very moment.
        if (batch.startedAt > batch.queuedAt)
          assert.include(
            batches.map((x) => x.endedAt),
            batch.startedAt,
          )
      })
      assert.strictEqual(mostAtOnce(batches), 2, "the org used both slots and never more")
      // Two waves of 200 ms at least between the first close and the last end.
      const first = Math.min(...batches.map((x) => x.queuedAt))
      assert.isAtLeast(Math.max(...batches.map((x) => x.endedAt)) - first, 400)

      done.forEach(({ info, states }, i) => {
        assert.strictEqual(info.state, "JobComplete")
        assert.strictEqual(info.numberRecordsProcessed, i === 1 ? 20_000 : 10_000)
        // Whether a check lands inside a batch depends on the machine's speed: the hand-driven clock test below
        // pins InProgress down; here only the order of states is asserted.
        for (const state of states.slice(0, -1)) assert.oneOf(state, ["UploadComplete", "InProgress"])
        const lastEnd = Math.max(...emulator.batches.intervals(ids[i]).map((x) => x.endedAt))
        assert.isAtLeast(millis(info.systemModstamp), lastEnd, `job ${i} completes no earlier than its last batch`)
      })
      const after = yield* Effect.promise(() => connection.limits())
      assert.strictEqual(
        (before.DailyBulkApiBatches?.Remaining ?? 0) - (after.DailyBulkApiBatches?.Remaining ?? 0),
        batches.length,
      )
      assert.strictEqual(emulator.store.records("Thing__c").size, 40_000)
    }),
  )

  it.scopedLive(
    "on a hand-driven clock: a job's processed rows grow batch by batch; a queued job waits in UploadComplete",
    () =>
      Effect.gen(function* () {
        let clock = 1_000_000
        const emulator = yield* salesforceEmulator({ parallelBatches: 1, batchMs: 1_000, clock: () => clock })
        const connection = yield* Effect.promise(() => login(emulator))
        const big = yield* Effect.promise(() => submitJob(connection, keyedCsv("a", 25_000)))
        const small = yield* Effect.promise(() => submitJob(connection, keyedCsv("b", 1)))
        const look = () =>
          Effect.promise(async () => {
            const [x, y] = await Promise.all([big.check(), small.check()])
            return [x.state, x.numberRecordsProcessed, y.state, emulator.store.records("Thing__c").size]
          })
        const seen = [yield* look()]
        for (const at of [999, 1_000, 2_000, 3_000, 3_999, 4_000]) {
          clock = 1_000_000 + at
          seen.push(yield* look())
        }
        assert.deepStrictEqual(seen, [
          ["InProgress", 0, "UploadComplete", 0],
          ["InProgress", 0, "UploadComplete", 0],
          ["InProgress", 10_000, "UploadComplete", 0],
          ["InProgress", 20_000, "UploadComplete", 0],
          ["JobComplete", 25_000, "InProgress", 25_000],
          ["JobComplete", 25_000, "InProgress", 25_000],
          ["JobComplete", 25_000, "JobComplete", 25_001],
        ])
        assert.deepStrictEqual(
          emulator.batches.intervals().map((x) => [x.rows, x.startedAt - 1_000_000, x.endedAt - 1_000_000]),
          [
            [10_000, 0, 1_000],
            [10_000, 1_000, 2_000],
            [5_000, 2_000, 3_000],
            [1, 3_000, 4_000],
          ],
        )
      }),
  )

  it.scopedLive("an aborted job's queued batches never run: the next job takes their place", () =>
    Effect.gen(function* () {
      let clock = 5_000
      const emulator = yield* salesforceEmulator({ parallelBatches: 1, batchMs: 100, clock: () => clock })
      const connection = yield* Effect.promise(() => login(emulator))
      // One after another: the order they are closed is the order their batches queue in.
      const first = yield* Effect.promise(() => submitJob(connection, keyedCsv("a", 1)))
      const aborted = yield* Effect.promise(() => submitJob(connection, keyedCsv("b", 1)))
      const last = yield* Effect.promise(() => submitJob(connection, keyedCsv("c", 1)))
      yield* Effect.promise(() => aborted.abort())
      clock = 5_200
      const states = yield* Effect.promise(() => Promise.all([first, aborted, last].map((job) => job.check())))
      assert.deepStrictEqual(
        states.map((info) => info.state),
        ["JobComplete", "Aborted", "JobComplete"],
      )
      assert.deepStrictEqual(
        emulator.batches.intervals().map((x) => [x.jobId, x.startedAt, x.endedAt]),
        [
          [first.id, 5_000, 5_100],
          [last.id, 5_100, 5_200],
        ],
      )
    }),
  )
})
