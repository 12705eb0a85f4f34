import { readFileSync } from "node:fs"
import { join } from "node:path"
import {
  AccountSASPermissions,
  generateAccountSASQueryParameters,
  StorageSharedKeyCredential,
} from "@azure/storage-file-datalake"
import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import type { AdlsEmulator } from "../../../src/emulators/adls/AdlsEmulator.js"
import { adlsEmulator } from "../../../src/emulators/adls/AdlsEmulator.js"
import { Lake } from "../../../src/services/Lake.js"
import { adlsLakeOn } from "../../support/adlsLake.js"
import { localFile, sha256, tempDir } from "../../support/lakeContract.js"
import { captureJsonLogs } from "../../support/logs.js"
import { assert, describe, it } from "../../support/vitest.js"

const accountSas = (emulator: AdlsEmulator, permissions: string, expiresOn = new Date(Date.now() + 3_600_000)) =>
  generateAccountSASQueryParameters(
    { expiresOn, permissions: AccountSASPermissions.parse(permissions), services: "b", resourceTypes: "sco" },
    new StorageSharedKeyCredential(emulator.account, emulator.accountKey),
  ).toString()

/** Puts a file and reads it back through a lake with these settings (no account key unless given). */
const roundTrip = (emulator: AdlsEmulator, settings: Record<string, string>) =>
  Effect.gen(function* () {
    const lake = yield* Lake
    const source = localFile(tempDir(), "f.bin", 3 * 1024 * 1024 + 5)
    yield* lake.put(source.path, "c/week_start=2019-12-01/f.bin")
    const target = join(tempDir(), "f.bin")
    yield* lake.get("c/week_start=2019-12-01/f.bin", target)
    assert.strictEqual(sha256(readFileSync(target)), sha256(source.bytes))
    assert.deepStrictEqual(yield* lake.list("c"), [
      { path: "c/week_start=2019-12-01/f.bin", sizeBytes: source.bytes.length },
    ])
  }).pipe(
    Effect.provide(
      adlsLakeOn(emulator, { AZURE_STORAGE_ACCOUNT_KEY: "", ...settings }).pipe(Layer.provide(NodeFileSystem.layer)),
    ),
  )

describe("LakeAdls credentials", () => {
  it.live("works with an account SAS, the SDK renaming and reading through it", () =>
    Effect.gen(function* () {
      const emulator = yield* adlsEmulator()
      yield* roundTrip(emulator, { AZURE_STORAGE_SAS_TOKEN: `?${accountSas(emulator, "rwdlc")}` })
      assert.strictEqual(emulator.count("rename", 201), 1)
    }).pipe(Effect.scoped),
  )

  it.live("works with an account connection string", () =>
    Effect.gen(function* () {
      const emulator = yield* adlsEmulator()
      yield* roundTrip(emulator, {
        AZURE_STORAGE_CONNECTION_STRING: `DefaultEndpointsProtocol=http;AccountName=${emulator.account};AccountKey=${emulator.accountKey};BlobEndpoint=${emulator.url};`,
      })
    }).pipe(Effect.scoped),
  )

  it.live("maps a read-only or expired SAS to AuthenticationError, with no signature in the error or the logs", () =>
    Effect.gen(function* () {
      const emulator = yield* adlsEmulator()
      yield* roundTrip(emulator, { AZURE_STORAGE_SAS_TOKEN: accountSas(emulator, "rwdlc") })
      const logs = captureJsonLogs()
      const source = localFile(tempDir(), "f.bin", 100)
      for (const sas of [accountSas(emulator, "rl"), accountSas(emulator, "rwdlc", new Date(Date.now() - 60_000))]) {
        const error = yield* Effect.flatMap(Lake, (lake) => Effect.flip(lake.put(source.path, "c/other.bin"))).pipe(
          Effect.tap((e) => Effect.logError("put failed", e)),
          Effect.provide(
            adlsLakeOn(emulator, { AZURE_STORAGE_ACCOUNT_KEY: "", AZURE_STORAGE_SAS_TOKEN: sas }).pipe(
              Layer.provide(NodeFileSystem.layer),
            ),
          ),
          Effect.provide(logs.layer),
        )
        assert.strictEqual(error._tag, "AuthenticationError")
        const signature = new URLSearchParams(sas).get("sig") ?? ""
        assert.isAbove(signature.length, 10)
        for (const text of [JSON.stringify(error), JSON.stringify(logs.lines)]) {
          assert.notInclude(text, signature)
          assert.notInclude(text, encodeURIComponent(signature))
        }
      }
      assert.strictEqual(emulator.count("createFile", 403), 1, "the read-only SAS may look but not write")
      assert.strictEqual(emulator.count("getProperties", 403), 1, "the expired SAS is refused at once")
      assert.deepStrictEqual(
        emulator.files("lake").map((f) => f.path),
        ["c/week_start=2019-12-01/f.bin"],
      )
    }).pipe(Effect.scoped),
  )
})
