import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { adlsEmulator } from "../../../src/emulators/adls/AdlsEmulator.js"
import * as AppConfigProvider from "../../../src/layers/config/AppConfigProvider.js"
import * as LakeFromSettings from "../../../src/layers/lake/LakeFromSettings.js"
import { Lake } from "../../../src/services/Lake.js"
import { emulatorSettings } from "../../support/adlsLake.js"
import { localFile, tempDir } from "../../support/lakeContract.js"
import { assert, describe, it } from "../../support/vitest.js"

const lakeWith = (settings: Record<string, string>) =>
  LakeFromSettings.layerWith({ retryOptions: { maxTries: 1 } }).pipe(
    Layer.provide(AppConfigProvider.layerFromMap(settings)),
    Layer.provide(NodeFileSystem.layer),
  )

describe("LakeFromSettings", () => {
  it.live("is the local directory LAKE_DIR when no storage account is set", () => {
    const dir = tempDir()
    return Effect.gen(function* () {
      const lake = yield* Lake
      assert.strictEqual(lake.location, `file://${dir}`)
    }).pipe(Effect.provide(lakeWith({ LAKE_DIR: dir })))
  })

  it.live("is ADLS Gen2 when STORAGE_ACCOUNT and CONTAINER are set", () =>
    Effect.gen(function* () {
      const emulator = yield* adlsEmulator()
      const source = localFile(tempDir(), "f.bin", 10)
      yield* Effect.gen(function* () {
        const lake = yield* Lake
        assert.strictEqual(lake.location, `adls://${emulator.account}/lake`)
        yield* lake.put(source.path, "s/f.bin")
      }).pipe(Effect.provide(lakeWith(emulatorSettings(emulator))))
      assert.deepStrictEqual(emulator.files("lake"), [{ path: "s/f.bin", size: 10 }])
    }).pipe(Effect.scoped),
  )
})
