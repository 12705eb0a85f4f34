import { Effect, HashMap, Logger } from "effect"
import type { CustomerWeeklyMetrics } from "../../../src/domain/CustomerMetrics.js"
import type { SalesforceSyncError } from "../../../src/domain/Errors.js"
import { type SalesforceEmulator, salesforceEmulator } from "../../../src/emulators/salesforce/SalesforceEmulator.js"
import { emulatorSettings, metricsRow, metricsRows, runSync, type SyncEnv, tempDir } from "../../support/salesforce.js"
import { readTable } from "../../support/sqlite.js"
import { assert, describe, it } from "../../support/vitest.js"

const OBJECT = "Customer_Weekly_Metric__c"

const envFor = (
  emulator: SalesforceEmulator,
  rows: Array<CustomerWeeklyMetrics>,
  extra: Record<string, string> = {},
) => {
  const env: SyncEnv = {
    database: `${tempDir("retl-sf-db-")}/warehouse.sqlite`,
    rows: () => rows,
    config: emulatorSettings(emulator.url, { SF_BATCH_SIZE: "10", ...extra }),
  }
  return env
}

const uploadedIds = (emulator: SalesforceEmulator) =>
  emulator.requestsOf("upload").flatMap((r) => (r.status === 201 ? [...(r.externalIds ?? [])] : []))

describe("salesforce-sync against the emulator (real jsforce)", () => {
  it.scopedLive("first sync creates every row, in jobs of SF_BATCH_SIZE, with the mapped values", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator()
      const rows = metricsRows(25)
      const result = yield* runSync(envFor(emulator, rows))
      assert.deepInclude(result, {
        skipped: false,
        sent: 25,
        created: 25,
        updated: 0,
        failed: 0,
        unchanged: 0,
        jobs: 3,
      })
      assert.strictEqual(emulator.requestsOf("upload").length, 3)
      const records = emulator.store.records(OBJECT)
      assert.strictEqual(records.size, 25)
      const record = records.get("u3:2019-12-01")
      assert.match(record?.Id ?? "", /^a0B[0-9A-Za-z]{15}$/)
      assert.deepStrictEqual(record?.fields, {
        External_Signal_Id__c: "u3:2019-12-01",
        Customer_Id__c: "u3",
        Week_Start__c: "2019-12-01",
        Week_End__c: "2019-12-07",
        Event_Count__c: "13",
        View_Count__c: "8",
        Cart_Count__c: "0",
        Remove_From_Cart_Count__c: "1",
        Purchase_Count__c: "3",
        Purchase_Revenue__c: "3.25",
        Session_Count__c: "4",
        Product_Count__c: "5",
        First_Event_At__c: "2019-12-01T00:00:03.000Z",
        Last_Event_At__c: "2019-12-06T23:59:59.123Z",
      })
    }),
  )

  it.scopedLive("logs Salesforce sync complete with success, failed and unchanged counts", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator()
      const rows = metricsRows(6)
      const env = envFor(emulator, rows)
      yield* runSync(env)
      rows[0] = metricsRow(0, { cart_count: 9 })
      const lines: Array<{ message: unknown; fields: Record<string, unknown> }> = []
      const capture = Logger.make(({ message, annotations }) =>
        lines.push({
          message: Array.isArray(message) ? message[0] : message,
          fields: Object.fromEntries(HashMap.toEntries(annotations)),
        }),
      )
      yield* runSync(env).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, capture)))
      const complete = lines.find((l) => l.message === "Salesforce sync complete")
      assert.deepInclude(complete?.fields, { success_count: 1, failed_count: 0, unchanged_count: 5, updated_count: 1 })
    }),
  )

  it.scopedLive("records every row's result and Salesforce id in the warehouse", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator()
      const env = envFor(emulator, metricsRows(12))
      yield* runSync(env, { runId: "run-results" })
      const results = readTable(env.database, "salesforce_sync_result")
      assert.strictEqual(results.length, 12)
      for (const row of results) {
        assert.strictEqual(row.run_id, "run-results")
        assert.strictEqual(row.outcome, "created")
        assert.strictEqual(row.salesforce_id, emulator.store.records(OBJECT).get(String(row.external_id))?.Id)
      }
      const jobs = readTable(env.database, "salesforce_sync_job")
      assert.deepStrictEqual(
        jobs.map((j) => [j.state, j.record_count, j.collected_at !== null]),
        [
          ["JobComplete", 10, true],
          ["JobComplete", 2, true],
        ],
      )
      assert.strictEqual(readTable(env.database, "salesforce_sync_job_row").length, 0)
    }),
  )

  it.scopedLive("an unchanged re-run sends nothing; a change to one customer sends that row only", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator()
      const rows = metricsRows(25)
      const env = envFor(emulator, rows)
      yield* runSync(env)
      const idBefore = emulator.store.records(OBJECT).get("u7:2019-12-01")?.Id
      const uploadsAfterFirst = emulator.requestsOf("upload").length

      const unchanged = yield* runSync(env)
      assert.deepInclude(unchanged, { sent: 0, unchanged: 25, jobs: 0 })
      assert.strictEqual(emulator.requestsOf("createJob").length, uploadsAfterFirst)

      rows[7] = metricsRow(7, { event_count: 999 })
      const changed = yield* runSync(env)
      assert.deepInclude(changed, { sent: 1, updated: 1, created: 0, unchanged: 24, changedRows: 1, jobs: 1 })
      assert.deepStrictEqual(emulator.requestsOf("upload").at(-1)?.externalIds, ["u7:2019-12-01"])
      const record = emulator.store.records(OBJECT).get("u7:2019-12-01")
      assert.strictEqual(record?.fields.Event_Count__c, "999")
      assert.strictEqual(record?.Id, idBefore)
    }),
  )

  it.scopedLive("--full-resync sends every row again", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator()
      const env = envFor(emulator, metricsRows(15))
      yield* runSync(env)
      const result = yield* runSync(env, { fullResync: true })
      assert.deepInclude(result, { sent: 15, updated: 15, created: 0, unchanged: 15 })
    }),
  )

  it.scopedLive("5% failing rows pass, are recorded with their error, and are sent again next run", () =>
    Effect.gen(function* () {
      const failing = new Set(["u4:2019-12-01", "u31:2019-12-01"])
      const emulator = yield* salesforceEmulator({
        rules: [{ field: "External_Signal_Id__c", fails: (v) => failing.has(v ?? ""), message: "Customer is on hold" }],
      })
      const env = envFor(emulator, metricsRows(40))
      const first = yield* runSync(env, { runId: "run-1" })
      assert.deepInclude(first, { sent: 40, created: 38, failed: 2 })
      assert.deepStrictEqual(
        first.errorSamples.map((s) => [s.externalId, s.errorCode]).sort(),
        [...failing].sort().map((id) => [id, "FIELD_CUSTOM_VALIDATION_EXCEPTION"]),
      )
      const failed = readTable(env.database, "salesforce_sync_result").filter((r) => r.outcome === "failed")
      assert.deepStrictEqual(failed.map((r) => r.external_id).sort(), [...failing].sort())
      assert.include(String(failed[0]?.error_message), "Customer is on hold")
      assert.strictEqual(readTable(env.database, "salesforce_sync_state").length, 38)

      emulator.store.rules = []
      const second = yield* runSync(env, { runId: "run-2" })
      assert.deepInclude(second, { sent: 2, created: 2, failed: 0, unchanged: 38, newRows: 2 })
      assert.deepStrictEqual([...(emulator.requestsOf("upload").at(-1)?.externalIds ?? [])].sort(), [...failing].sort())
    }),
  )

  it.scopedLive("15% failing rows fail the stage with SalesforceSyncError, results still stored", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator({
        rules: [{ field: "Event_Count__c", fails: (v) => Number(v) % 20 < 3, message: "Event count rejected" }],
      })
      const env = envFor(emulator, metricsRows(40))
      const error = yield* Effect.flip(runSync(env))
      assert.strictEqual(error._tag, "SalesforceSyncError")
      assert.include(error.message, "6 of 40 rows failed (15.00%), more than SF_MAX_ERROR_RATE_PCT 10%")
      assert.lengthOf((error as SalesforceSyncError).details.samples as Array<unknown>, 5)
      assert.strictEqual(readTable(env.database, "salesforce_sync_result").length, 40)
    }),
  )

  it.scopedLive("a poll timeout leaves the job; the next run reattaches and collects it without uploading again", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator({ inProgressPolls: 1_000_000 })
      const env = envFor(emulator, metricsRows(8), { SF_POLL_TIMEOUT_SECONDS: "1", SF_POLL_INTERVAL_SECONDS: "0.1" })
      const timedOut = yield* Effect.flip(runSync(env, { runId: "run-timeout" }))
      assert.strictEqual(timedOut._tag, "SalesforceSyncError")
      assert.include(timedOut.message, "the next run collects its results")
      const [job] = readTable(env.database, "salesforce_sync_job")
      assert.deepInclude(job, { state: "InProgress", collected_at: null, run_id: "run-timeout" })
      assert.strictEqual(emulator.jobs.state(String(job?.job_id)), "InProgress")

      emulator.jobs.finishAll()
      const resumed = yield* runSync(env, { runId: "run-resume" })
      assert.deepInclude(resumed, { reattachedJobs: 1, sent: 8, created: 8, unchanged: 8, jobs: 1 })
      assert.strictEqual(emulator.requestsOf("createJob").length, 1)
      assert.strictEqual(emulator.requestsOf("upload").length, 1)
      assert.strictEqual(emulator.requestsOf("upload", String(job?.job_id)).length, 1)
      assert.strictEqual(emulator.requestsOf("deleteJob").length, 0)
      assert.strictEqual(emulator.store.records(OBJECT).size, 8)
    }),
  )

  it.scopedLive("commas, quotes, newlines, non-ASCII and formula-like values survive the round trip", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator()
      const awkward = [
        'Smith, "Jr."',
        "line one\nline two",
        "crlf\r\nvalue",
        "Zoë Ünïcødé 東京 🚀",
        "=SUM(A1:A2)",
        "+1 555",
        "-42",
        "@handle",
        "  padded  ",
        "#tag",
      ]
      const rows = awkward.map((userId, i) => metricsRow(i, { user_id: userId }))
      yield* runSync(envFor(emulator, rows))
      const stored = [...emulator.store.records(OBJECT).values()].map((r) => r.fields.Customer_Id__c)
      assert.deepStrictEqual(stored.sort(), [...awkward].sort())
    }),
  )

  it.scopedLive("null values clear fields in Salesforce", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator()
      const rows = [metricsRow(1)]
      const env = envFor(emulator, rows)
      yield* runSync(env)
      assert.strictEqual(
        emulator.store.records(OBJECT).get("u1:2019-12-01")?.fields.First_Event_At__c,
        "2019-12-01T00:00:03.000Z",
      )
      rows[0] = metricsRow(1, { first_event_at: null, last_event_at: null })
      const result = yield* runSync(env)
      assert.deepInclude(result, { sent: 1, updated: 1 })
      const fields = emulator.store.records(OBJECT).get("u1:2019-12-01")?.fields
      assert.strictEqual(fields?.First_Event_At__c, null)
      assert.strictEqual(fields?.Last_Event_At__c, null)
      assert.strictEqual(fields?.Event_Count__c, "11")
    }),
  )

  it.scopedLive("the same external id twice in a week is sent once, the last row winning", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator()
      const rows = [metricsRow(1), metricsRow(2), metricsRow(1, { event_count: 77 })]
      const result = yield* runSync(envFor(emulator, rows))
      assert.deepInclude(result, { sent: 2, created: 2, failed: 0 })
      assert.deepStrictEqual(uploadedIds(emulator).sort(), ["u1:2019-12-01", "u2:2019-12-01"])
      assert.strictEqual(emulator.store.records(OBJECT).get("u1:2019-12-01")?.fields.Event_Count__c, "77")
    }),
  )
})
