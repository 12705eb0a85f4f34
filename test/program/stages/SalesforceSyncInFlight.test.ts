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
})
