import { Effect, Fiber, Option, TestClock } from "effect"
import { SalesforceSyncError } from "../../../src/domain/Errors.js"
import * as AppConfigProvider from "../../../src/layers/config/AppConfigProvider.js"
import * as CrmMemory from "../../../src/layers/crm/CrmMemory.js"
import { metricsRows, runSync, type SyncEnv, tempDir } from "../../support/salesforce.js"
import { readTable } from "../../support/sqlite.js"
import { settled } from "../../support/TestClockRuns.js"
import { assert, describe, it } from "../../support/vitest.js"

const settings = (extra: Record<string, string> = {}) =>
  AppConfigProvider.layerFromMap({
    SF_USERNAME: "u@example.com",
    SF_PASSWORD: "pw",
    SF_POLL_INTERVAL_SECONDS: "2",
    SF_POLL_TIMEOUT_SECONDS: "30",
    SF_BATCH_SIZE: "4",
    // One job at a time: these tests follow one job's calls (jobs in flight: SyncJobsInFlight.test.ts).
    SF_MAX_CONCURRENT_JOBS: "1",
    // Bulk jobs are what these tests are about: a few rows would otherwise go through sObject Collections.
    SF_COLLECTIONS_MAX_ROWS: "0",
    ...extra,
  })

const envFor = (org: CrmMemory.MemoryOrg, rows = metricsRows(6)): SyncEnv => ({
  database: `${tempDir("retl-sf-mem-")}/warehouse.sqlite`,
  rows: () => rows,
  config: settings(),
  crm: CrmMemory.layer(org),
})

const transient = (errorCode: string) =>
  new SalesforceSyncError({ message: errorCode, details: { errorCode, retryable: true } })

const count = (org: CrmMemory.MemoryOrg, operation: string) => org.calls.filter((c) => c.operation === operation).length

describe("salesforce-sync job handling (memory org, TestClock)", () => {
  it.effect(
    "checks a job after 1 s, 2 s, 4 s ... up to SF_POLL_INTERVAL_SECONDS, gives up after SF_POLL_TIMEOUT_SECONDS",
    () =>
      Effect.gen(function* () {
        const org = new CrmMemory.MemoryOrg({ inProgressPolls: 1_000 })
        const env = {
          ...envFor(org, metricsRows(3)),
          config: settings({ SF_POLL_INTERVAL_SECONDS: "10", SF_POLL_TIMEOUT_SECONDS: "60" }),
        }
        const fiber = yield* Effect.fork(runSync(env))
        // Waits of 1, 2, 4, 8, then 10 (the cap) seconds: status checks at these seconds after the close.
        const checks = [1, 3, 7, 15, 25, 35, 45, 55]
        let now = 0
        for (const [i, at] of checks.entries()) {
          yield* TestClock.adjust(`${(at - now) * 1000 - 1} millis`)
          assert.strictEqual(count(org, "jobInfo"), i, `no check ${i + 1} before ${at} s`)
          yield* TestClock.adjust("1 millis")
          assert.strictEqual(count(org, "jobInfo"), i + 1, `check ${i + 1} at ${at} s`)
          now = at
        }
        yield* TestClock.adjust("4999 millis")
        assert.isNull(yield* Fiber.poll(fiber).pipe(Effect.map(Option.getOrNull)), "still waiting before 60 s")
        yield* TestClock.adjust("1 millis")
        const error = yield* Effect.flip(Fiber.join(fiber))
        assert.strictEqual(error._tag, "SalesforceSyncError")
        assert.strictEqual(count(org, "jobInfo"), checks.length)
        assert.strictEqual(count(org, "abortJob"), 0)
        const [job] = org.jobs.values()
        assert.strictEqual(job?.state, "InProgress")

        org.inProgressPolls = 0
        if (job) job.pollsLeft = 0
        const resumed = yield* settled(runSync(env))
        assert.deepInclude(resumed, { reattachedJobs: 1, created: 3, unchanged: 3 })
        assert.strictEqual(org.uploads.size, 1)
      }),
  )

  it.effect("REQUEST_LIMIT_EXCEEDED on job creation is retried after 2 s", () =>
    Effect.gen(function* () {
      const org = new CrmMemory.MemoryOrg()
      org.failures.push({ operation: "createUpsertJob", error: transient("REQUEST_LIMIT_EXCEEDED") })
      const fiber = yield* Effect.fork(runSync(envFor(org)))
      yield* TestClock.adjust("1999 millis")
      assert.strictEqual(count(org, "createUpsertJob"), 1)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(count(org, "createUpsertJob"), 2)
      const result = yield* settled(Fiber.join(fiber))
      assert.deepInclude(result, { created: 6, jobs: 2 })
      assert.strictEqual(count(org, "createUpsertJob"), 3)
    }),
  )

  it.effect("gives up after four attempts at a transient error", () =>
    Effect.gen(function* () {
      const org = new CrmMemory.MemoryOrg()
      for (let i = 0; i < 4; i++) org.failures.push({ operation: "connect", error: transient("SERVER_UNAVAILABLE") })
      const fiber = yield* Effect.fork(runSync(envFor(org)))
      yield* TestClock.adjust("2 seconds")
      yield* TestClock.adjust("4 seconds")
      yield* TestClock.adjust("8 seconds")
      const error = yield* Effect.flip(Fiber.join(fiber))
      assert.strictEqual(error.message, "SERVER_UNAVAILABLE")
      assert.strictEqual(count(org, "connect"), 4)
    }),
  )

  it.effect("creating a job gets four attempts in all, with no retry around the retries", () =>
    Effect.gen(function* () {
      const org = new CrmMemory.MemoryOrg()
      for (let i = 0; i < 4; i++) {
        org.failures.push({ operation: "createUpsertJob", error: transient("REQUEST_LIMIT_EXCEEDED") })
      }
      const fiber = yield* Effect.fork(runSync(envFor(org)))
      yield* TestClock.adjust("2 seconds")
      yield* TestClock.adjust("4 seconds")
      yield* TestClock.adjust("8 seconds")
      const error = yield* Effect.flip(Fiber.join(fiber))
      assert.strictEqual(error.message, "REQUEST_LIMIT_EXCEEDED")
      assert.strictEqual(count(org, "createUpsertJob"), 4, "no retry inside a retry")
    }),
  )

  it.effect("an error that is not transient is not retried", () =>
    Effect.gen(function* () {
      const org = new CrmMemory.MemoryOrg()
      org.failures.push({
        operation: "createUpsertJob",
        error: new SalesforceSyncError({
          message: "INVALIDJOB",
          details: { errorCode: "INVALIDJOB", retryable: false },
        }),
      })
      const error = yield* Effect.flip(runSync(envFor(org)))
      assert.strictEqual(error.message, "INVALIDJOB")
      assert.strictEqual(count(org, "createUpsertJob"), 1)
    }),
  )

  it.effect("a job left Open by a crashed run is aborted by the next run and its rows sent again", () =>
    Effect.gen(function* () {
      const org = new CrmMemory.MemoryOrg()
      const env = envFor(org, metricsRows(3))
      org.failures.push({
        operation: "closeJob",
        error: new SalesforceSyncError({ message: "crash", details: { retryable: false } }),
      })
      yield* Effect.flip(runSync(env))
      assert.strictEqual(readTable(env.database, "salesforce_sync_job")[0]?.state, "Open")
      const result = yield* settled(runSync(env))
      assert.deepInclude(result, { reattachedJobs: 1, created: 3, sent: 3 })
      assert.strictEqual(count(org, "abortJob"), 1)
      assert.deepStrictEqual(
        readTable(env.database, "salesforce_sync_job").map((j) => j.state),
        ["Aborted", "JobComplete"],
      )
    }),
  )

  it.effect("a job Salesforce no longer knows is marked Lost and its rows sent again", () =>
    Effect.gen(function* () {
      const org = new CrmMemory.MemoryOrg({ inProgressPolls: 1_000 })
      const env = envFor(org, metricsRows(2))
      const fiber = yield* Effect.fork(runSync(env))
      yield* TestClock.adjust("31 seconds")
      yield* Effect.flip(Fiber.join(fiber))
      org.jobs.clear()
      org.inProgressPolls = 0
      const result = yield* settled(runSync(env))
      assert.deepInclude(result, { reattachedJobs: 1, created: 2 })
      assert.deepStrictEqual(
        readTable(env.database, "salesforce_sync_job").map((j) => j.state),
        ["Lost", "JobComplete"],
      )
    }),
  )
})
