import { writeFileSync } from "node:fs"
import { Effect, Logger } from "effect"
import * as AppConfigProvider from "../../../src/layers/config/AppConfigProvider.js"
import { metricsRows, runSync, tempDir } from "../../support/salesforce.js"
import { assert, describe, it } from "../../support/vitest.js"

const database = () => `${tempDir("retl-sf-db-")}/warehouse.sqlite`

describe("salesforce-sync: settings it checks before calling Salesforce", () => {
  it.effect("without credentials the stage logs a skip and succeeds; --require-salesforce makes it fail", () =>
    Effect.gen(function* () {
      const lines: Array<string> = []
      const logger = Logger.replace(
        Logger.defaultLogger,
        Logger.make(({ message }) => lines.push(String(message))),
      )
      const env = { database: database(), rows: () => metricsRows(2), config: AppConfigProvider.layerFromMap({}) }
      const skipped = yield* runSync(env).pipe(Effect.provide(logger))
      assert.deepInclude(skipped, { skipped: true, sent: 0 })
      assert.isTrue(lines.some((l) => l.startsWith("Salesforce sync skipped: no Salesforce credentials")))
      const error = yield* Effect.flip(runSync(env, { requireSalesforce: true }))
      assert.strictEqual(error._tag, "ConfigurationError")
      assert.include(error.message, "--require-salesforce")
    }),
  )

  it.effect("half-given credentials fail naming the missing setting", () =>
    Effect.gen(function* () {
      const env = {
        database: database(),
        rows: () => metricsRows(1),
        config: AppConfigProvider.layerFromMap({ SF_USERNAME: "a@b.c" }),
      }
      const error = yield* Effect.flip(runSync(env))
      assert.strictEqual(error.message, "SF_PASSWORD must be set when SF_USERNAME is set")
    }),
  )

  it.effect("a mapping file without the external id field is refused, naming the setting", () =>
    Effect.gen(function* () {
      const file = `${tempDir("retl-sf-map-")}/mapping.json`
      writeFileSync(file, JSON.stringify({ user_id: "Customer_Id__c" }))
      const config = AppConfigProvider.layerFromMap({ SF_FIELD_MAPPING_FILE: file })
      const error = yield* Effect.flip(runSync({ database: database(), rows: () => [], config }))
      assert.strictEqual(error._tag, "ConfigurationError")
      assert.include(
        error.message,
        "SF_FIELD_MAPPING_FILE maps no column to the external id field External_Signal_Id__c",
      )
    }),
  )
})
