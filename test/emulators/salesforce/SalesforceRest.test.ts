import { Effect } from "effect"
import { Connection } from "jsforce"
import { type SalesforceEmulator, salesforceEmulator } from "../../../src/emulators/salesforce/SalesforceEmulator.js"
import { assert, describe, it } from "../../support/vitest.js"

const OBJECT = "Customer_Weekly_Metric__c"
const KEY = "External_Signal_Id__c"

const login = (emulator: SalesforceEmulator) =>
  Effect.promise(async () => {
    const connection = new Connection({ loginUrl: emulator.url, version: "62.0" })
    await connection.login("retl@example.com", "emulator-passwordemulatortoken")
    return connection
  })

/** A Collections answer as Salesforce sends it (jsforce's types name the error code `errorCode`). */
interface Answer {
  readonly id: string | null
  readonly success: boolean
  readonly created: boolean
  readonly errors: ReadonlyArray<{ statusCode: string; message: string; fields: ReadonlyArray<string> }>
}
const answers = (body: unknown) => body as ReadonlyArray<Answer>

const records = (n: number) => Array.from({ length: n }, (_, i) => ({ [KEY]: `k${i}`, Event_Count__c: i }))

describe("Salesforce emulator: sObject Collections and describe (jsforce)", () => {
  it.scopedLive("answers per-record results in request order, with Bulk's store and rules", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator({
        rules: [{ field: "Event_Count__c", fails: (v) => v === "1", message: "Events must not be 1" }],
      })
      const connection = yield* login(emulator)
      const first = answers(
        yield* Effect.promise(() =>
          connection.upsert(OBJECT, [...records(3), { [KEY]: "k0", Event_Count__c: 9 }], KEY, { allOrNone: false }),
        ),
      )
      assert.deepStrictEqual(
        first.map((r) => [r.success, r.errors[0]?.statusCode ?? null]),
        [
          [false, "DUPLICATE_VALUE"],
          [false, "FIELD_CUSTOM_VALIDATION_EXCEPTION"],
          [true, null],
          [false, "DUPLICATE_VALUE"],
        ],
      )
      assert.deepStrictEqual(first[1]?.errors[0], {
        statusCode: "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        message: "Events must not be 1",
        fields: ["Event_Count__c"],
      })
      const again = answers(
        yield* Effect.promise(() => connection.upsert(OBJECT, [{ [KEY]: "k2", Event_Count__c: null }], KEY)),
      )
      assert.deepStrictEqual(again[0], { id: first[2]?.id ?? "", success: true, created: false, errors: [] })
      assert.deepStrictEqual(emulator.store.find(OBJECT, "k2")?.fields, { [KEY]: "k2", Event_Count__c: null })
      assert.deepStrictEqual(emulator.requestsOf("collectionsUpsert")[1]?.externalIds, ["k2"])
    }),
  )

  it.scopedLive("refuses more than 200 records in one request, as Salesforce does", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator()
      const connection = yield* login(emulator)
      const error = yield* Effect.flip(Effect.tryPromise(() => connection.upsert(OBJECT, records(201), KEY)))
      assert.include(String(error.cause), "cannot submit more than 200 records")
      assert.strictEqual(emulator.requestsOf("collectionsUpsert")[0]?.status, 400)
      assert.strictEqual(emulator.store.records(OBJECT).size, 0)
    }),
  )

  it.scopedLive("describes the objects it was given, and answers NOT_FOUND for others", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator()
      const connection = yield* login(emulator)
      const described = yield* Effect.promise(() => connection.sobject(OBJECT).describe())
      const key = described.fields.find((f) => f.name === KEY)
      assert.deepInclude(key, { type: "string", externalId: true, createable: true, updateable: true })
      const missing = yield* Effect.flip(Effect.tryPromise(() => connection.sobject("Nope__c").describe()))
      assert.include(String(missing.cause), "NOT_FOUND")
    }),
  )
})
