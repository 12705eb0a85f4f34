import { Effect, Option } from "effect"
import * as AppConfigProvider from "../../../src/layers/config/AppConfigProvider.js"
import { accountUrl, connectAdls } from "../../../src/layers/lake/LakeAdlsClient.js"
import { AppConfig } from "../../../src/services/AppConfig.js"
import { assert, describe, it } from "../../support/vitest.js"

describe("LakeAdlsClient", () => {
  it.effect("uses DefaultAzureCredential when no key, SAS or connection string is set, without a network call", () =>
    Effect.gen(function* () {
      const { lake } = yield* Effect.provide(
        AppConfig,
        AppConfigProvider.layerFromMap({ STORAGE_ACCOUNT: "prodlake", CONTAINER: "datalake" }),
      )
      const connection = yield* connectAdls(lake, {})
      assert.strictEqual(connection.credential, "default-azure-credential")
      assert.strictEqual(connection.location, "adls://prodlake/datalake")
      assert.strictEqual(connection.fileSystem.url, "https://prodlake.dfs.core.windows.net/datalake")
    }),
  )

  it.effect("builds the account URL for Azure, sovereign clouds and path-style emulators", () =>
    Effect.sync(() => {
      assert.strictEqual(accountUrl("acct", Option.none()), "https://acct.dfs.core.windows.net")
      assert.strictEqual(
        accountUrl("acct", Option.some("https://acct.dfs.core.chinacloudapi.cn")),
        "https://acct.dfs.core.chinacloudapi.cn",
      )
      assert.strictEqual(accountUrl("acct", Option.some("http://127.0.0.1:10004")), "http://127.0.0.1:10004/acct")
      assert.strictEqual(accountUrl("acct", Option.some("http://localhost:10004/acct/")), "http://localhost:10004/acct")
    }),
  )

  it.effect("refuses a malformed connection string naming the setting, not its value", () =>
    Effect.gen(function* () {
      const { lake } = yield* Effect.provide(
        AppConfig,
        AppConfigProvider.layerFromMap({
          STORAGE_ACCOUNT: "a",
          CONTAINER: "c",
          AZURE_STORAGE_CONNECTION_STRING: "garbage-secret-42",
        }),
      )
      const error = yield* Effect.flip(connectAdls(lake, {}))
      assert.strictEqual(error.details.setting, "AZURE_STORAGE_CONNECTION_STRING")
      assert.notInclude(JSON.stringify(error), "garbage-secret-42")
    }),
  )
})
