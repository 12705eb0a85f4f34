import { parse } from "csv-parse/sync"
import { Effect, Fiber, TestClock } from "effect"
import * as AppConfigProvider from "../../../src/layers/config/AppConfigProvider.js"
import * as CrmMemory from "../../../src/layers/crm/CrmMemory.js"
import { metricsRow, metricsRows, runSync, type SyncEnv, tempDir } from "../../support/salesforce.js"
import { readTable } from "../../support/sqlite.js"
import { settled } from "../../support/TestClockRuns.js"
import { assert, describe, it } from "../../support/vitest.js"

const envFor = (org: CrmMemory.MemoryOrg, jobsInFlight: number, rows = metricsRows(20)): SyncEnv => ({
  database: `${tempDir("retl-sf-mem-")}/warehouse.sqlite`,
  rows: () => rows,
  config: AppConfigProvider.layerFromMap({
    SF_USERNAME: "u@example.com",
    SF_PASSWORD: "pw",
    SF_POLL_INTERVAL_SECONDS: "2",
    SF_POLL_TIMEOUT_SECONDS: "30",
    SF_BATCH_SIZE: "4",
    SF_MAX_CONCURRENT_JOBS: String(jobsInFlight),
    // Bulk jobs are what these tests are about: a few rows would otherwise go through sObject Collections.
    SF_COLLECTIONS_MAX_ROWS: "0",
  }),
  crm: CrmMemory.layer(org),
})

const count = (org: CrmMemory.MemoryOrg, operation: string) => org.calls.filter((c) => c.operation === operation).length

/** The most jobs created and not yet collected at once, read from the org's calls in order. */
const mostInFlight = (org: CrmMemory.MemoryOrg) => {
  let inFlight = 0
  let most = 0
  for (const call of org.calls) {
    if (call.operation === "createUpsertJob") most = Math.max(most, ++inFlight)
    if (call.operation === "jobResults") inFlight--
  }
  return most
}

/** How many times each external id went up, over every upload the org took. */
const uploadsPerId = (org: CrmMemory.MemoryOrg) => {
  const times = new Map<string, number>()
  for (const csv of org.uploads.values()) {
    const [header = [], ...rows] = parse(csv, { record_delimiter: "\n" }) as Array<Array<string>>
    const key = header.indexOf("External_Signal_Id__c")
    for (const row of rows) times.set(row[key] ?? "", (times.get(row[key] ?? "") ?? 0) + 1)
  }
  return times
}

const assertEachRowUploadedOnce = (org: CrmMemory.MemoryOrg, rows: number) => {
  const times = uploadsPerId(org)
  assert.strictEqual(times.size, rows)
  assert.deepStrictEqual(new Set(times.values()), new Set([1]))
}

describe("salesforce-sync with several Bulk jobs in flight (memory org, TestClock)", () => {
  it.effect("keeps SF_MAX_CONCURRENT_JOBS jobs in flight; a finished job makes room for the next", () =>
    Effect.gen(function* () {
      const org = new CrmMemory.MemoryOrg({ inProgressPolls: 1_000 })
      const fiber = yield* Effect.fork(runSync(envFor(org, 2)))
      yield* TestClock.adjust("10 millis")
      assert.strictEqual(count(org, "closeJob"), 2, "two jobs closed before any status check")
      assert.strictEqual(count(org, "createUpsertJob"), 2, "no third job while two run")

      const [first] = org.jobs.values()
      if (first) first.pollsLeft = 0
      yield* TestClock.adjust("1 second")
      assert.strictEqual(count(org, "jobResults"), 1)
      assert.strictEqual(count(org, "closeJob"), 3, "the first job's end lets the third go")

      org.inProgressPolls = 0
      for (const job of org.jobs.values()) job.pollsLeft = 0
      const result = yield* settled(Fiber.join(fiber))
      assert.deepInclude(result, { jobs: 5, sent: 20, created: 20, failed: 0 })
      assert.strictEqual(mostInFlight(org), 2)
      assertEachRowUploadedOnce(org, 20)
      assert.strictEqual(org.records.size, 20)
    }),
  )

  it.effect("a poll timeout with three jobs in flight: the next run reattaches all three and sends no row twice", () =>
    Effect.gen(function* () {
      const org = new CrmMemory.MemoryOrg({ inProgressPolls: 1_000 })
      const env = envFor(org, 3)
      const fiber = yield* Effect.fork(runSync(env, { runId: "run-timeout" }))
      yield* TestClock.adjust("31 seconds")
      const error = yield* Effect.flip(Fiber.join(fiber))
      assert.include(error.message, "the next run collects its results")
      const left = readTable(env.database, "salesforce_sync_job")
      assert.strictEqual(left.length, 3)
      assert.deepStrictEqual(new Set(left.map((j) => j.collected_at)), new Set([null]))
      assert.strictEqual(count(org, "abortJob"), 0, "running jobs are left to finish")

      // Salesforce finishes the three jobs meanwhile.
      org.inProgressPolls = 0
      for (const job of org.jobs.values()) job.pollsLeft = 0
      const resumed = yield* settled(runSync(env, { runId: "run-resume" }))
      assert.deepInclude(resumed, { reattachedJobs: 3, jobs: 5, created: 20, failed: 0 })
      assert.strictEqual(count(org, "createUpsertJob"), 5)
      assertEachRowUploadedOnce(org, 20)
      const jobs = readTable(env.database, "salesforce_sync_job")
      assert.deepStrictEqual(
        jobs.map((j) => [j.state, j.collected_at !== null]),
        Array.from({ length: 5 }, () => ["JobComplete", true]),
      )
      assert.strictEqual(readTable(env.database, "salesforce_sync_state").length, 20)
    }),
  )

  it.effect("an external id in two jobs: the later job waits for the earlier one, and the later row wins", () =>
    Effect.gen(function* () {
      const org = new CrmMemory.MemoryOrg({ inProgressPolls: 1_000 })
      // Jobs of 4: {u0 u1 u2 u3}, {u4, u0 again, u5 u6}, {u7}.
      const rows = [...metricsRows(5), metricsRow(0, { event_count: 77 }), ...metricsRows(8).slice(5)]
      const fiber = yield* Effect.fork(runSync(envFor(org, 4, rows)))
      yield* TestClock.adjust("10 millis")
      assert.strictEqual(count(org, "createUpsertJob"), 2, "the first and third jobs go; the second waits")

      org.inProgressPolls = 0
      for (const job of org.jobs.values()) job.pollsLeft = 0
      const result = yield* settled(Fiber.join(fiber))
      assert.deepInclude(result, { jobs: 3, sent: 9, failed: 0 })
      // Uploads in order: the first job, the third, then the second, once the first was collected.
      const late = [...org.uploads.keys()][2]
      assert.include(org.uploads.get(late ?? ""), "u0:2019-12-01")
      const uploadedAt = org.calls.findIndex((c) => c.operation === "uploadCsv" && c.jobId === late)
      assert.isAbove(
        uploadedAt,
        org.calls.findIndex((c) => c.operation === "jobResults"),
      )
      assert.strictEqual(org.records.get("u0:2019-12-01")?.fields.Event_Count__c, "77")
    }),
  )
})
