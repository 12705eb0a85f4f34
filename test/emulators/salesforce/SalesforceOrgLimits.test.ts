import { Effect } from "effect"
import { salesforceEmulator } from "../../../src/emulators/salesforce/SalesforceEmulator.js"
import { assert, describe, it } from "../../support/vitest.js"
import { keyedCsv, login, runJob } from "./BulkClient.js"

const LOGINS = new Set(["soapLogin", "oauthToken"])

describe("Salesforce emulator: the org's daily limits", () => {
  it.scopedLive("GET /limits counts every API request and the ⌈rows / 10,000⌉ batches of each closed job", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator({ dailyBatches: 100 })
      const connection = yield* Effect.promise(() => login(emulator))
      const before = yield* Effect.promise(() => connection.limits())
      assert.deepStrictEqual(before.DailyBulkApiBatches, { Max: 100, Remaining: 100 })
      yield* Effect.promise(() => runJob(connection, keyedCsv("a", 20_001)))
      yield* Effect.promise(() => runJob(connection, keyedCsv("b", 1)))
      const after = yield* Effect.promise(() => connection.limits())
      // 20,001 rows are three batches, one row is one.
      assert.deepStrictEqual(after.DailyBulkApiBatches, { Max: 100, Remaining: 96 })
      assert.strictEqual(emulator.limits.bulkBatches, 4)
      // The oracle for API calls is the emulator's request log: every request but the login, this /limits included.
      const apiCalls = emulator.requests.filter((r) => !LOGINS.has(r.kind)).length
      assert.strictEqual(emulator.limits.apiRequests, apiCalls)
      assert.deepStrictEqual(
        after.DailyApiRequests,
        { Max: 100_000, Remaining: 100_000 - apiCalls },
        "the answer counts itself too",
      )
    }),
  )

  it.scopedLive("a job needing more batches than remain fails with EXCEEDED_QUOTA, writing and spending nothing", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator({ dailyBatches: 2 })
      const connection = yield* Effect.promise(() => login(emulator))
      const first = yield* Effect.promise(() => runJob(connection, keyedCsv("a", 10_000)))
      assert.strictEqual(first.info.state, "JobComplete")
      const tooBig = yield* Effect.promise(() => runJob(connection, keyedCsv("b", 10_001)))
      assert.strictEqual(tooBig.info.state, "Failed")
      assert.include(String(tooBig.info.errorMessage), "EXCEEDED_QUOTA")
      assert.lengthOf(tooBig.unprocessed, 10_001)
      assert.isUndefined(emulator.store.find("Thing__c", "b0"))
      const fits = yield* Effect.promise(() => runJob(connection, keyedCsv("c", 10_000)))
      assert.strictEqual(fits.info.state, "JobComplete")
      const spent = yield* Effect.promise(() => runJob(connection, keyedCsv("d", 1)))
      assert.include(String(spent.info.errorMessage), "EXCEEDED_QUOTA")
      const limits = yield* Effect.promise(() => connection.limits())
      assert.deepStrictEqual(limits.DailyBulkApiBatches, { Max: 2, Remaining: 0 })
    }),
  )

  it.scopedLive("past the daily API requests every call gets REQUEST_LIMIT_EXCEEDED", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator({ dailyApiRequests: 2 })
      const connection = yield* Effect.promise(() => login(emulator))
      yield* Effect.promise(() => connection.limits())
      yield* Effect.promise(() => connection.limits())
      const refused = yield* Effect.promise(() =>
        connection.limits().then(
          () => "answered",
          (e: Error) => e.name,
        ),
      )
      assert.strictEqual(refused, "REQUEST_LIMIT_EXCEEDED")
      assert.strictEqual(emulator.limits.apiRequests, 2)
    }),
  )
})
