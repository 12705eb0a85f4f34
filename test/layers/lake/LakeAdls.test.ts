import { appendFileSync, readFileSync } from "node:fs"
import { join } from "node:path"
import type { FileSystem } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Layer, Option } from "effect"
import { adlsEmulator } from "../../../src/emulators/adls/AdlsEmulator.js"
import type { LakeAdlsOptions } from "../../../src/layers/lake/LakeAdls.js"
import { Lake } from "../../../src/services/Lake.js"
import { adlsLake, adlsLakeOn, quickRetry } from "../../support/adlsLake.js"
import { lakeContract, localFile, sha256, tempDir } from "../../support/lakeContract.js"
import { captureJsonLogs } from "../../support/logs.js"
import { assert, describe, it } from "../../support/vitest.js"

lakeContract("LakeAdls on the ADLS Gen2 emulator", () => adlsLake())

const MiB = 1024 * 1024
const WRONG_KEY = Buffer.alloc(64, 9).toString("base64")

/** A lake on `emulator` for the body, with the real Data Lake SDK underneath. */
const withLake = <A, E>(
  emulator: Parameters<typeof adlsLakeOn>[0],
  body: (lake: Lake["Type"]) => Effect.Effect<A, E, FileSystem.FileSystem>,
  settings: Record<string, string> = {},
  options: LakeAdlsOptions = {},
) =>
  Effect.flatMap(Lake, body).pipe(
    Effect.provide(adlsLakeOn(emulator, settings, options).pipe(Layer.provideMerge(NodeFileSystem.layer))),
  )

describe("LakeAdls", () => {
  it.live("puts a 50 MB file in 8 MiB appends, reads it back with the same SHA-256, and does not upload it twice", () =>
    Effect.gen(function* () {
      const emulator = yield* adlsEmulator()
      const logs = captureJsonLogs()
      const source = localFile(tempDir(), "events.parquet", 50 * MiB)
      const path = "reverse_etl/raw_events/week_start=2019-12-01/week_end=2019-12-07/events.parquet"
      yield* withLake(emulator, (lake) =>
        Effect.gen(function* () {
          const facts = yield* lake.put(source.path, path)
          assert.deepStrictEqual(facts, { path, sizeBytes: 50 * MiB, sha256: sha256(source.bytes) })
          const appends = emulator.requests().filter((r) => r.operation === "append")
          assert.strictEqual(appends.length, 7)
          assert.isTrue(appends.every((a) => a.bytes <= 8 * MiB && a.status === 202))
          assert.strictEqual(emulator.count("flush", 200), 1)
          assert.strictEqual(emulator.count("rename", 201), 1)
          const uploaded = logs.lines.find((l) => l.message === "File uploaded to ADLS successfully")
          assert.strictEqual(uploaded?.path, path)
          assert.strictEqual(uploaded?.size_bytes, 50 * MiB)

          emulator.clearLog()
          assert.deepStrictEqual(yield* lake.put(source.path, path), facts)
          assert.deepStrictEqual(
            emulator.requests().map((r) => r.operation),
            ["getProperties"],
          )
          assert.include(logs.messages(), "File skipped, already in the lake")

          const target = join(tempDir(), "events.parquet")
          const got = yield* lake.get(path, target)
          assert.strictEqual(got.sha256, facts.sha256)
          assert.strictEqual(sha256(readFileSync(target)), facts.sha256)
        }).pipe(Effect.provide(logs.layer)),
      )
    }).pipe(Effect.scoped),
  )

  it.live("answers a wrong account key with AuthenticationError, naming neither key", () =>
    Effect.gen(function* () {
      const emulator = yield* adlsEmulator()
      const source = localFile(tempDir(), "f.bin", 1000)
      const errors = yield* withLake(
        emulator,
        (lake) => Effect.all([Effect.flip(lake.put(source.path, "a/f.bin")), Effect.flip(lake.list("a"))]),
        { AZURE_STORAGE_ACCOUNT_KEY: WRONG_KEY },
      )
      for (const error of errors) {
        assert.strictEqual(error._tag, "AuthenticationError")
        assert.strictEqual(error.details.status, 403)
        const text = JSON.stringify(error)
        assert.notInclude(text, WRONG_KEY)
        assert.notInclude(text, emulator.accountKey)
      }
      assert.strictEqual(emulator.count("getProperties", 403), 1)
      assert.strictEqual(emulator.count("createFile"), 0)
    }).pipe(Effect.scoped),
  )

  it.live("retries injected 503s with its own schedule when the SDK does not", () =>
    Effect.gen(function* () {
      const emulator = yield* adlsEmulator()
      const logs = captureJsonLogs()
      // One append per attempt (the file is smaller than a chunk), so each 503 costs one attempt.
      const source = localFile(tempDir(), "f.bin", 1 * MiB)
      emulator.failNext(2, { operation: "append" })
      const facts = yield* withLake(emulator, (lake) => lake.put(source.path, "w/f.bin")).pipe(
        Effect.provide(logs.layer),
      )
      assert.strictEqual(facts.sha256, sha256(source.bytes))
      assert.strictEqual(emulator.count("append", 503), 2)
      assert.strictEqual(emulator.count("createFile", 201), 3)
      assert.strictEqual(logs.messages().filter((m) => m.startsWith("ADLS call failed")).length, 2)
      assert.deepStrictEqual(emulator.files("lake"), [{ path: "w/f.bin", size: 1 * MiB }])
    }).pipe(Effect.scoped),
  )

  it.live("gets through a 30% share of 503s with the SDK's own retries", () =>
    Effect.gen(function* () {
      const emulator = yield* adlsEmulator({ fault503Pct: 30, seed: 42 })
      const source = localFile(tempDir(), "f.bin", 20 * MiB)
      const target = join(tempDir(), "back.bin")
      yield* withLake(
        emulator,
        (lake) => Effect.zipRight(lake.put(source.path, "w/f.bin"), lake.get("w/f.bin", target)),
        {},
        { retryOptions: { maxTries: 5, retryDelayInMs: 5, maxRetryDelayInMs: 20 } },
      )
      assert.isAbove(emulator.requests().filter((r) => r.status === 503).length, 0)
      assert.strictEqual(emulator.count("createFile"), 1, "the SDK retried each call; no whole upload was redone")
      assert.strictEqual(sha256(readFileSync(target)), sha256(source.bytes))
    }).pipe(Effect.scoped),
  )

  it.live("leaves nothing under the final path when appends keep dropping, and keeps the previous version", () =>
    Effect.gen(function* () {
      const emulator = yield* adlsEmulator()
      const dir = tempDir()
      const v1 = localFile(dir, "v1.bin", 3 * MiB)
      const v2 = localFile(dir, "v2.bin", 20 * MiB)
      yield* withLake(emulator, (lake) =>
        Effect.gen(function* () {
          yield* lake.put(v1.path, "d/kept.bin")
          emulator.dropNextAppends(1000)
          const error = yield* Effect.flip(lake.put(v2.path, "d/kept.bin"))
          assert.strictEqual(error._tag, "AzureStorageError")
          assert.isTrue(error.details.transient)
          const fresh = yield* Effect.flip(lake.put(v2.path, "d/new.bin"))
          assert.strictEqual(fresh._tag, "AzureStorageError")
          assert.isFalse(yield* lake.exists("d/new.bin"))
          const kept = yield* lake.stat("d/kept.bin")
          assert.deepStrictEqual(
            Option.map(kept, (k) => k.sha256),
            Option.some(Option.some(sha256(v1.bytes))),
          )
        }),
      )
      assert.isAtLeast(emulator.count("append", 0), 8)
      assert.deepStrictEqual(emulator.files("lake"), [{ path: "d/kept.bin", size: 3 * MiB }])
    }).pipe(Effect.scoped),
  )

  it.live("recovers from one dropped append by retrying the upload", () =>
    Effect.gen(function* () {
      const emulator = yield* adlsEmulator()
      const source = localFile(tempDir(), "f.bin", 10 * MiB)
      emulator.dropNextAppends(1)
      const facts = yield* withLake(emulator, (lake) => lake.put(source.path, "r/f.bin"), {}, { retry: quickRetry(1) })
      assert.strictEqual(facts.sha256, sha256(source.bytes))
      assert.strictEqual(emulator.count("append", 0), 1)
      assert.deepStrictEqual(emulator.files("lake"), [{ path: "r/f.bin", size: 10 * MiB }])
    }).pipe(Effect.scoped),
  )

  it.live("puts nothing when the local file changes while it is uploaded", () =>
    Effect.gen(function* () {
      const source = localFile(tempDir(), "growing.ndjson", 2 * MiB)
      const emulator = yield* adlsEmulator({
        onRequest: (entry) => {
          if (entry.operation === "append") appendFileSync(source.path, "one more line\n")
        },
      })
      const error = yield* withLake(emulator, (lake) => Effect.flip(lake.put(source.path, "g/growing.ndjson")))
      assert.strictEqual(error._tag, "LocalStorageError")
      assert.strictEqual(error.details.reason, "ChangedDuringUpload")
      assert.deepStrictEqual(emulator.files("lake"), [])
    }).pipe(Effect.scoped),
  )

  it.live("finds the account in an emulator endpoint given without it", () =>
    Effect.gen(function* () {
      const emulator = yield* adlsEmulator()
      const source = localFile(tempDir(), "f.bin", 100)
      yield* withLake(emulator, (lake) => lake.put(source.path, "x/f.bin"), {
        ADLS_ENDPOINT: `http://127.0.0.1:${emulator.port}`,
      })
      assert.deepStrictEqual(emulator.files("lake"), [{ path: "x/f.bin", size: 100 }])
    }).pipe(Effect.scoped),
  )
})
