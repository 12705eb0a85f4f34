import { Effect } from "effect"
import {
  type SalesforceEmulator,
  type SalesforceEmulatorOptions,
  salesforceEmulator,
} from "../../../src/emulators/salesforce/SalesforceEmulator.js"
import { CUSTOMER_WEEKLY_METRIC_FIELDS, type DescribedField } from "../../../src/emulators/salesforce/SalesforceRest.js"
import { emulatorSettings, metricsRows, runSync, tempDir } from "../../support/salesforce.js"
import { assert, describe, it } from "../../support/vitest.js"

const OBJECT = "Customer_Weekly_Metric__c"

/** The default object with some fields changed (`null` takes a field away). */
const objectWith = (changes: Record<string, Partial<DescribedField> | null>) => ({
  [OBJECT]: CUSTOMER_WEEKLY_METRIC_FIELDS.flatMap((field) => {
    const change = changes[field.name]
    if (change === null) return []
    return [{ ...field, ...change }]
  }),
})

/** Requests that would have sent rows: none may come before the preflight passes. */
const sends = (emulator: SalesforceEmulator) =>
  emulator.requests.filter((r) => ["createJob", "upload", "collectionsUpsert"].includes(r.kind)).length

/** A sync of `rows` rows against an emulator made with `options`: the error it fails with. */
const refusal = (options: SalesforceEmulatorOptions, rows = 25, extra: Record<string, string> = {}) =>
  Effect.gen(function* () {
    const emulator = yield* salesforceEmulator(options)
    const env = {
      database: `${tempDir("retl-sf-pre-")}/warehouse.sqlite`,
      rows: () => metricsRows(rows),
      config: emulatorSettings(emulator.url, { SF_COLLECTIONS_MAX_ROWS: "2000", SF_BATCH_SIZE: "10", ...extra }),
    }
    const error = yield* Effect.flip(runSync(env))
    assert.strictEqual(sends(emulator), 0, "nothing was sent")
    assert.strictEqual(error._tag, "ConfigurationError", error.message)
    return { error, emulator }
  })

describe("Salesforce preflight (real jsforce, emulator's describe and limits)", () => {
  const cases: ReadonlyArray<readonly [string, Record<string, Partial<DescribedField> | null>, string]> = [
    [
      "a mapped field the object lacks",
      { Cart_Count__c: null },
      "field Cart_Count__c (from view column cart_count) does not exist on Customer_Weekly_Metric__c",
    ],
    [
      "a field the user cannot create",
      { Week_Start__c: { createable: false } },
      "field Week_Start__c cannot be created",
    ],
    [
      "a field the user cannot update",
      { Customer_Id__c: { updateable: false } },
      "field Customer_Id__c cannot be updated by this user",
    ],
    [
      "an external id field that is not one",
      { External_Signal_Id__c: { externalId: false } },
      "field External_Signal_Id__c is not an External ID field",
    ],
    [
      "a field whose type cannot take the column's values",
      { Purchase_Revenue__c: { type: "int" } },
      "field Purchase_Revenue__c is of type int, which cannot take view column purchase_revenue's decimal values",
    ],
  ]
  for (const [name, changes, problem] of cases) {
    it.scopedLive(`refuses ${name}, naming it`, () =>
      Effect.gen(function* () {
        const { error } = yield* refusal({ objects: objectWith(changes) })
        assert.include(error.message, `1 problem: (1) ${problem}`)
      }),
    )
  }

  it.scopedLive("names every problem at once, in one error", () =>
    Effect.gen(function* () {
      const { error } = yield* refusal({
        objects: objectWith({
          Cart_Count__c: null,
          Week_Start__c: { createable: false, updateable: false },
          External_Signal_Id__c: { externalId: false },
          Last_Event_At__c: { type: "date" },
        }),
      })
      assert.include(error.message, "cannot take the mapped rows, 4 problems: (1) ")
      assert.include(error.message, "field Week_Start__c cannot be created or updated by this user")
      assert.include(error.message, "does not exist on Customer_Weekly_Metric__c")
      assert.include(error.message, "is not an External ID field")
      assert.include(error.message, "Last_Event_At__c is of type date")
      assert.strictEqual("details" in error ? (error.details.problems as ReadonlyArray<string>).length : 0, 4)
    }),
  )

  it.scopedLive("refuses an object the org does not have", () =>
    Effect.gen(function* () {
      const { error } = yield* refusal({ objects: {} })
      assert.include(error.message, "SF_OBJECT_NAME Customer_Weekly_Metric__c does not exist in the org")
    }),
  )

  it.scopedLive("refuses a Bulk sync needing more batches than remain, naming the numbers", () =>
    Effect.gen(function* () {
      // 25 rows in jobs of 10: 3 jobs, one batch each; the org has 2 left.
      const { error, emulator } = yield* refusal({ dailyBatches: 2 }, 25, { SF_COLLECTIONS_MAX_ROWS: "0" })
      assert.include(error.message, "sending 25 rows through Bulk API needs 3 batches")
      assert.include(error.message, "only 2 of 2 remain (DailyBulkApiBatches)")
      assert.strictEqual(emulator.requestsOf("limits").length, 1)
    }),
  )

  it.scopedLive("refuses a Collections sync needing more API requests than remain", () =>
    Effect.gen(function* () {
      // 450 rows: 3 requests of at most 200; describe and limits spent 2 of 4 (a login is no API request).
      const { error } = yield* refusal({ dailyApiRequests: 4 }, 450)
      assert.include(error.message, "sending 450 rows through sObject Collections needs 3 API requests")
      assert.include(error.message, "only 2 of 4 remain (DailyApiRequests)")
    }),
  )
})
