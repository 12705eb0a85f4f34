import { Effect } from "effect"
import type { CustomerWeeklyMetrics } from "../../../src/domain/CustomerMetrics.js"
import { type SalesforceEmulator, salesforceEmulator } from "../../../src/emulators/salesforce/SalesforceEmulator.js"
import { emulatorSettings, metricsRow, metricsRows, runSync, type SyncEnv, tempDir } from "../../support/salesforce.js"
import { readTable } from "../../support/sqlite.js"
import { assert, describe, it } from "../../support/vitest.js"

const OBJECT = "Customer_Weekly_Metric__c"

const envFor = (emulator: SalesforceEmulator, rows: Array<CustomerWeeklyMetrics>, extra: Record<string, string> = {}) =>
  ({
    database: `${tempDir("retl-sf-col-")}/warehouse.sqlite`,
    rows: () => rows,
    config: emulatorSettings(emulator.url, { SF_COLLECTIONS_MAX_ROWS: "2000", SF_BATCH_SIZE: "100", ...extra }),
  }) satisfies SyncEnv

const collectionIds = (emulator: SalesforceEmulator) =>
  emulator.requestsOf("collectionsUpsert").flatMap((r) => [...(r.externalIds ?? [])])

describe("salesforce-sync through sObject Collections (real jsforce, emulator)", () => {
  it.scopedLive("a 1% diff of a synced week goes through Collections, no Bulk job; a re-run sends nothing", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator()
      const rows = metricsRows(300)
      // Above SF_COLLECTIONS_MAX_ROWS the first sync is Bulk; its diff of 3 rows is below it.
      const env = envFor(emulator, rows, { SF_COLLECTIONS_MAX_ROWS: "50" })
      const first = yield* runSync(env)
      assert.deepInclude(first, { sent: 300, created: 300, jobs: 3 })
      assert.strictEqual(emulator.requestsOf("collectionsUpsert").length, 0)
      const jobsBefore = emulator.requestsOf("createJob").length

      for (const i of [5, 150, 299]) rows[i] = metricsRow(i, { purchase_count: 40 + i })
      const diff = yield* runSync(env, { runId: "run-diff" })
      assert.deepInclude(diff, { sent: 3, updated: 3, failed: 0, unchanged: 297, changedRows: 3, jobs: 0 })
      assert.strictEqual(emulator.requestsOf("createJob").length, jobsBefore, "no Bulk job created")
      assert.strictEqual(emulator.requestsOf("upload").length, 3)
      assert.sameMembers(collectionIds(emulator), ["u5:2019-12-01", "u150:2019-12-01", "u299:2019-12-01"])
      assert.strictEqual(emulator.store.find(OBJECT, "u150:2019-12-01")?.fields.Purchase_Count__c, "190")

      const results = readTable(env.database, "salesforce_sync_result").filter((r) => r.run_id === "run-diff")
      assert.deepStrictEqual(
        results.map((r) => [r.external_id, r.outcome, r.salesforce_id]).sort(),
        [5, 150, 299]
          .map((i) => [`u${i}:2019-12-01`, "updated", emulator.store.find(OBJECT, `u${i}:2019-12-01`)?.Id])
          .sort(),
      )
      const state = readTable(env.database, "salesforce_sync_state").filter((r) => r.run_id === "run-diff")
      assert.strictEqual(state.length, 3, "the sync state moved to the new content")

      const again = yield* runSync(env)
      assert.deepInclude(again, { sent: 0, unchanged: 300, jobs: 0 })
      assert.strictEqual(emulator.requestsOf("collectionsUpsert").length, 1, "an unchanged re-run sends nothing")
      assert.strictEqual(emulator.requestsOf("createJob").length, jobsBefore)
    }),
  )

  it.scopedLive("writes the same records as a Bulk job does, 200 rows a request", () =>
    Effect.gen(function* () {
      const rows = [
        ...metricsRows(449),
        metricsRow(449, { purchase_revenue: 0.1 + 0.2, first_event_at: null, user_id: 'a "quoted", name' }),
      ]
      const bulk = yield* salesforceEmulator()
      const collections = yield* salesforceEmulator()
      yield* runSync(envFor(bulk, rows, { SF_COLLECTIONS_MAX_ROWS: "0" }))
      const result = yield* runSync(envFor(collections, rows))
      assert.deepInclude(result, { sent: 450, created: 450, jobs: 0 })
      assert.deepStrictEqual(
        collections.requestsOf("collectionsUpsert").map((r) => r.externalIds?.length),
        [200, 200, 50],
      )
      assert.strictEqual(collections.requestsOf("createJob").length, 0)
      const fields = (emulator: SalesforceEmulator) =>
        new Map([...emulator.store.records(OBJECT)].map(([id, record]) => [id, record.fields]))
      assert.deepStrictEqual(fields(collections), fields(bulk))
      assert.strictEqual(fields(collections).get("u449:2019-12-01")?.Purchase_Revenue__c, "0.3")
    }),
  )

  it.scopedLive("a row Salesforce refuses counts toward SF_MAX_ERROR_RATE_PCT and is recorded failed", () =>
    Effect.gen(function* () {
      const refused = new Set(metricsRows(8).map((row) => row.external_signal_id))
      const emulator = yield* salesforceEmulator({
        rules: [{ field: "External_Signal_Id__c", fails: (v) => refused.has(v ?? ""), message: "Customer is on hold" }],
      })
      const env = envFor(emulator, metricsRows(100), { SF_MAX_ERROR_RATE_PCT: "7" })
      const error = yield* Effect.flip(runSync(env))
      assert.strictEqual(error._tag, "SalesforceSyncError")
      assert.include(error.message, "8 of 100 rows failed (8.00%), more than SF_MAX_ERROR_RATE_PCT 7%")
      assert.strictEqual(emulator.requestsOf("createJob").length, 0)
      const failed = readTable(env.database, "salesforce_sync_result").filter((r) => r.outcome === "failed")
      assert.sameMembers(
        failed.map((r) => r.external_id),
        [...refused],
      )
      assert.deepStrictEqual(new Set(failed.map((r) => r.error_code)), new Set(["FIELD_CUSTOM_VALIDATION_EXCEPTION"]))
      assert.strictEqual(String(failed[0]?.error_message), "Customer is on hold")
      const passing = yield* runSync(envFor(emulator, metricsRows(100), { SF_MAX_ERROR_RATE_PCT: "8" }))
      assert.deepInclude(passing, { sent: 100, failed: 8 })
    }),
  )

  it.scopedLive("a Collections request answered 503 is sent again on the Crm schedule", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator()
      emulator.injectFault({ kind: "collectionsUpsert", status: 503, errorCode: "SERVER_UNAVAILABLE" })
      const result = yield* runSync(envFor(emulator, metricsRows(5)))
      assert.deepInclude(result, { sent: 5, created: 5, failed: 0 })
      assert.deepStrictEqual(
        emulator.requestsOf("collectionsUpsert").map((r) => r.status),
        [503, 200],
      )
    }),
  )

  it.scopedLive("--full-resync of a week above SF_COLLECTIONS_MAX_ROWS still goes through Bulk", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator()
      const env = envFor(emulator, metricsRows(60), { SF_COLLECTIONS_MAX_ROWS: "50" })
      yield* runSync(env)
      const jobsBefore = emulator.requestsOf("createJob").length
      const resync = yield* runSync(env, { fullResync: true })
      assert.deepInclude(resync, { sent: 60, updated: 60, unchanged: 60, jobs: 1 })
      assert.strictEqual(emulator.requestsOf("createJob").length, jobsBefore + 1)
      assert.strictEqual(emulator.requestsOf("collectionsUpsert").length, 0)
    }),
  )
})
