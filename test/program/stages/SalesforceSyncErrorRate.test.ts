import { FileSystem } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import { Effect } from "effect"
import { salesforceEmulator } from "../../../src/emulators/salesforce/SalesforceEmulator.js"
import { emulatorSettings, metricsRows, runSync } from "../../support/salesforce.js"
import { assert, describe, it } from "../../support/vitest.js"

/** One sync of 100 rows of which the first `failing` are refused, held to SF_MAX_ERROR_RATE_PCT `maxPct`. */
const syncWithFailures = (failing: number, maxPct: string) =>
  Effect.gen(function* () {
    const refused = new Set(metricsRows(failing).map((row) => row.external_signal_id))
    const emulator = yield* salesforceEmulator({
      rules: [{ field: "External_Signal_Id__c", fails: (v) => refused.has(v ?? ""), message: "Customer is on hold" }],
    })
    const dir = yield* (yield* FileSystem.FileSystem).makeTempDirectoryScoped({ prefix: "retl-sf-rate-" })
    const env = {
      database: `${dir}/warehouse.sqlite`,
      rows: () => metricsRows(100),
      config: emulatorSettings(emulator.url, { SF_BATCH_SIZE: "50", SF_MAX_ERROR_RATE_PCT: maxPct }),
    }
    return yield* Effect.either(runSync(env, { outputDir: dir }))
  }).pipe(Effect.provide(NodeFileSystem.layer))

describe("salesforce-sync error rate, compared exactly", () => {
  it.scopedLive(
    "7 of 100 rows failing pass SF_MAX_ERROR_RATE_PCT=7 (7 / 100 × 100 is 7.000000000000001 in floating point)",
    () =>
      Effect.gen(function* () {
        const verdict = yield* syncWithFailures(7, "7")
        if (verdict._tag === "Left") assert.fail(verdict.left.message)
        assert.deepInclude(verdict.right, { sent: 100, failed: 7 })
      }),
  )

  it.scopedLive("8 of 100 rows failing fail SF_MAX_ERROR_RATE_PCT=7", () =>
    Effect.gen(function* () {
      const verdict = yield* syncWithFailures(8, "7")
      if (verdict._tag === "Right") assert.fail("expected the sync to fail")
      assert.strictEqual(verdict.left._tag, "SalesforceSyncError")
      assert.include(verdict.left.message, "8 of 100 rows failed (8.00%), more than SF_MAX_ERROR_RATE_PCT 7%")
    }),
  )
})
