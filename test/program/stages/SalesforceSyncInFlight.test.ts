import { Effect, Fiber } from "effect"
import { type SalesforceEmulator, salesforceEmulator } from "../../../src/emulators/salesforce/SalesforceEmulator.js"
import { emulatorSettings, metricsRows, runSync, type SyncEnv, tempDir } from "../../support/salesforce.js"
import { readTable } from "../../support/sqlite.js"
import { assert, describe, it } from "../../support/vitest.js"

const OBJECT = "Customer_Weekly_Metric__c"
const ROWS = 50

const envFor = (emulator: SalesforceEmulator): SyncEnv => ({
  database: `${tempDir("retl-sf-db-")}/warehouse.sqlite`,
  rows: () => metricsRows(ROWS),
  config: emulatorSettings(emulator.url, { SF_BATCH_SIZE: "10", SF_MAX_CONCURRENT_JOBS: "3" }),
})

/** Waits (bounded: 10 s) until the emulator has taken `n` job closes. */
const closes = (emulator: SalesforceEmulator, n: number) =>
  Effect.gen(function* () {
    for (let i = 0; i < 500 && emulator.requestsOf("closeJob").length < n; i++) yield* Effect.sleep("20 millis")
    assert.strictEqual(emulator.requestsOf("closeJob").length, n, `${n} jobs closed`)
  })

/**
 * Each external id reached Salesforce in exactly one job that completed: uploads of jobs that
 * were aborted (never processed) do not count, as Bulk API 2.0 discards their data.
 */
const assertEachRowProcessedOnce = (emulator: SalesforceEmulator) => {
  const times = new Map<string, number>()
  for (const upload of emulator.requestsOf("upload")) {
    if (upload.status !== 201 || emulator.jobs.state(upload.jobId ?? "") !== "JobComplete") continue
    for (const id of upload.externalIds ?? []) times.set(id, (times.get(id) ?? 0) + 1)
  }
  assert.strictEqual(times.size, ROWS)
  assert.deepStrictEqual(new Set(times.values()), new Set([1]))
  assert.strictEqual(emulator.store.records(OBJECT).size, ROWS)
}

describe("salesforce-sync with several Bulk jobs in flight (real jsforce, emulator)", () => {
  it.scopedLive(
    "a run stopped with three jobs in flight: the next run collects all three and uploads no row twice",
    () =>
      Effect.gen(function* () {
        const emulator = yield* salesforceEmulator({ inProgressPolls: 1_000_000 })
        const env = envFor(emulator)
        const first = yield* Effect.fork(runSync(env, { runId: "run-stopped" }))
        yield* closes(emulator, 3)
        yield* Fiber.interrupt(first)
        assert.strictEqual(emulator.requestsOf("createJob").length, 3, "no fourth job while three run")
        const left = readTable(env.database, "salesforce_sync_job")
        assert.strictEqual(left.length, 3)
        for (const job of left) {
          // The stop may come between Salesforce taking a close and the ledger noting it.
          assert.include(["Open", "UploadComplete"], job.state)
          assert.isNull(job.collected_at)
        }

        // Salesforce goes on with the closed jobs while no run watches.
        emulator.jobs.inProgressPolls = 1
        emulator.jobs.finishAll()
        const resumed = yield* runSync(env, { runId: "run-resumed" })
        assert.deepInclude(resumed, { reattachedJobs: 3, jobs: 5, created: ROWS, failed: 0 })
        assert.strictEqual(emulator.requestsOf("createJob").length, 5)
        assert.strictEqual(emulator.requestsOf("abortJob").length, 0)
        assertEachRowProcessedOnce(emulator)
        assert.strictEqual(readTable(env.database, "salesforce_sync_state").length, ROWS)
      }),
  )

  it.scopedLive("a failed upload among jobs in flight aborts that job only; its rows go once in a new job", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator()
      emulator.injectFault({ kind: "upload", status: 503, errorCode: "SERVER_UNAVAILABLE" })
      const result = yield* runSync(envFor(emulator))
      assert.deepInclude(result, { jobs: 5, created: ROWS, failed: 0 })
      assert.strictEqual(emulator.requestsOf("createJob").length, 6)
      assert.strictEqual(emulator.requestsOf("abortJob").length, 1)
      assertEachRowProcessedOnce(emulator)
    }),
  )

  it.scopedLive(
    "on an org running 4 batches at once, 4 jobs in flight keep every batch slot busy (hand-driven clock)",
    () =>
      Effect.gen(function* () {
        let clock = 1_000_000
        const emulator = yield* salesforceEmulator({ parallelBatches: 4, batchMs: 1_000, clock: () => clock })
        const env: SyncEnv = {
          database: `${tempDir("retl-sf-db-")}/warehouse.sqlite`,
          rows: () => metricsRows(60),
          config: emulatorSettings(emulator.url, { SF_BATCH_SIZE: "10", SF_MAX_CONCURRENT_JOBS: "4" }),
        }
        const run = yield* Effect.fork(runSync(env))
        // The org's time stands still until the test moves it: four jobs go up before any batch ends.
        yield* closes(emulator, 4)
        clock += 1_000
        yield* closes(emulator, 6)
        clock += 1_000
        const result = yield* Fiber.join(run)
        assert.deepInclude(result, { jobs: 6, created: 60, failed: 0 })
        const batches = emulator.batches.intervals()
        assert.deepStrictEqual(
          batches.map((b) => [b.startedAt - 1_000_000, b.endedAt - 1_000_000]),
          [...Array(4).fill([0, 1_000]), ...Array(2).fill([1_000, 2_000])],
          "two waves of batches, the least the org can take for six",
        )
      }),
  )
})
