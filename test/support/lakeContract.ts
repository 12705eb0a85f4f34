import { createHash, randomBytes } from "node:crypto"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { FileSystem } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Layer, Option } from "effect"
import { Lake } from "../../src/services/Lake.js"
import { captureJsonLogs } from "./logs.js"
import { tempDir as makeTempDir } from "./TempDir.js"
import { assert, describe, it } from "./vitest.js"

export const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex")

export const tempDir = (name = "retl-lake-") => makeTempDir(name)

/** A local file with these bytes (random ones when a size is given). */
export const localFile = (dir: string, name: string, data: Uint8Array | number): { path: string; bytes: Buffer } => {
  const bytes = typeof data === "number" ? randomBytes(data) : Buffer.from(data)
  const path = join(dir, name)
  writeFileSync(path, bytes)
  return { path, bytes }
}

const WEEK = "reverse_etl/raw_events/week_start=2019-12-01/week_end=2019-12-07"

/**
 * The behaviour every Lake implementation owes its callers, run against each one. `lake` builds a
 * fresh, empty lake for one test.
 */
export const lakeContract = (name: string, lake: () => Layer.Layer<Lake, unknown, FileSystem.FileSystem>) =>
  describe(`Lake contract: ${name}`, () => {
    const run = <A, E>(body: (lake: Lake["Type"], dir: string) => Effect.Effect<A, E, never>) =>
      Effect.gen(function* () {
        const service = yield* Lake
        return yield* body(service, tempDir())
      }).pipe(Effect.provide(lake().pipe(Layer.provideMerge(NodeFileSystem.layer))))

    it.live("puts a file and reads it back with the same size and SHA-256", () =>
      run((service, dir) =>
        Effect.gen(function* () {
          const source = localFile(dir, "events.parquet", 300_000)
          const facts = yield* service.put(source.path, `${WEEK}/events.parquet`)
          assert.deepStrictEqual(facts, {
            path: `${WEEK}/events.parquet`,
            sizeBytes: 300_000,
            sha256: sha256(source.bytes),
          })
          assert.isTrue(yield* service.exists(`${WEEK}/events.parquet`))
          const stat = yield* service.stat(`${WEEK}/events.parquet`)
          assert.deepStrictEqual(stat, Option.some({ ...facts, sha256: Option.some(facts.sha256) }))
          const target = join(dir, "back", "events.parquet")
          const got = yield* service.get(`${WEEK}/events.parquet`, target)
          assert.deepStrictEqual(got, { path: target, sizeBytes: 300_000, sha256: facts.sha256 })
          assert.isTrue(readFileSync(target).equals(source.bytes))
        }),
      ),
    )

    it.live("logs each upload with path and size, and skips an object that already holds the same bytes", () => {
      const logs = captureJsonLogs()
      return run((service, dir) =>
        Effect.gen(function* () {
          const source = localFile(dir, "rejects.parquet", 1234)
          const first = yield* service.put(source.path, `${WEEK}/rejects.parquet`)
          const second = yield* service.put(source.path, `${WEEK}/rejects.parquet`)
          assert.deepStrictEqual(second, first)
          const written = logs.lines.filter((l) => l.path === `${WEEK}/rejects.parquet`)
          assert.strictEqual(written.length, 2)
          assert.notInclude(String(written[0]?.message), "skipped")
          assert.strictEqual(written[0]?.size_bytes, 1234)
          assert.strictEqual(written[1]?.message, "File skipped, already in the lake")
        }).pipe(Effect.provide(logs.layer)),
      )
    })

    it.live("replaces an object whose bytes changed", () =>
      run((service, dir) =>
        Effect.gen(function* () {
          const v1 = localFile(dir, "v1", 5000)
          const v2 = localFile(dir, "v2", 7000)
          yield* service.put(v1.path, "a/file.bin")
          const facts = yield* service.put(v2.path, "a/file.bin")
          assert.strictEqual(facts.sha256, sha256(v2.bytes))
          const stat = yield* service.stat("a/file.bin")
          assert.deepStrictEqual(
            Option.map(stat, (s) => ({ sizeBytes: s.sizeBytes, sha256: s.sha256 })),
            Option.some({ sizeBytes: 7000, sha256: Option.some(sha256(v2.bytes)) }),
          )
          yield* service.get("a/file.bin", join(dir, "out"))
          assert.isTrue(readFileSync(join(dir, "out")).equals(v2.bytes))
        }),
      ),
    )

    it.live("keeps an empty file", () =>
      run((service, dir) =>
        Effect.gen(function* () {
          const empty = localFile(dir, "empty", new Uint8Array())
          const facts = yield* service.put(empty.path, "e/empty.json")
          assert.strictEqual(facts.sizeBytes, 0)
          const got = yield* service.get("e/empty.json", join(dir, "empty.out"))
          assert.deepStrictEqual([got.sizeBytes, got.sha256], [0, sha256(new Uint8Array())])
          assert.deepStrictEqual(yield* service.list("e"), [{ path: "e/empty.json", sizeBytes: 0 }])
        }),
      ),
    )

    it.live("removes a file, keeps its neighbours, and removes a missing one without complaint", () =>
      run((service, dir) =>
        Effect.gen(function* () {
          const file = localFile(dir, "sidecar.json", new TextEncoder().encode('{"stage":"extract"}'))
          yield* service.put(file.path, `${WEEK}/_stage_extract_t1.json`)
          yield* service.put(file.path, `${WEEK}/_stage_transform_t1.json`)
          yield* service.remove(`${WEEK}/_stage_extract_t1.json`)
          yield* service.remove(`${WEEK}/_stage_extract_t1.json`)
          assert.isFalse(yield* service.exists(`${WEEK}/_stage_extract_t1.json`))
          assert.deepStrictEqual(
            (yield* service.list(WEEK)).map((e) => e.path),
            [`${WEEK}/_stage_transform_t1.json`],
          )
          // A path that would leave the lake is refused, never removed.
          const refused = yield* Effect.flip(service.remove("../outside.json"))
          assert.strictEqual(refused._tag, "ConfigurationError")
        }),
      ),
    )

    it.live("answers a missing object with false, none, and a NotFound error that writes no local file", () =>
      run((service, dir) =>
        Effect.gen(function* () {
          assert.isFalse(yield* service.exists(`${WEEK}/events.parquet`))
          assert.isTrue(Option.isNone(yield* service.stat(`${WEEK}/events.parquet`)))
          const target = join(dir, "never.parquet")
          const error = yield* Effect.flip(service.get(`${WEEK}/events.parquet`, target))
          assert.include(["LocalStorageError", "AzureStorageError"], error._tag)
          assert.strictEqual(error.details.reason, "NotFound")
          assert.strictEqual(error.details.path, `${WEEK}/events.parquet`)
          assert.isFalse(existsSync(target))
          assert.deepStrictEqual(yield* service.list("nowhere"), [])
        }),
      ),
    )

    it.live("lists the files under a directory, recursively and sorted, and not those of a sibling", () =>
      run((service, dir) =>
        Effect.gen(function* () {
          const f = localFile(dir, "f", 10)
          for (const path of ["w/b/2.bin", "w/b/1.bin", "w/b/deep/3.bin", "w/bc/4.bin", "x.bin"]) {
            yield* service.put(f.path, path)
          }
          const paths = (prefix: string) => Effect.map(service.list(prefix), (entries) => entries.map((e) => e.path))
          assert.deepStrictEqual(yield* paths("w/b"), ["w/b/1.bin", "w/b/2.bin", "w/b/deep/3.bin"])
          assert.deepStrictEqual(yield* paths("w/b/"), ["w/b/1.bin", "w/b/2.bin", "w/b/deep/3.bin"])
          assert.deepStrictEqual(yield* paths(""), ["w/b/1.bin", "w/b/2.bin", "w/b/deep/3.bin", "w/bc/4.bin", "x.bin"])
          assert.deepStrictEqual(yield* service.list("w/bc"), [{ path: "w/bc/4.bin", sizeBytes: 10 }])
        }),
      ),
    )

    it.live("refuses a path that could leave the lake, before touching anything", () =>
      run((service, dir) =>
        Effect.gen(function* () {
          const f = localFile(dir, "f", 10)
          for (const bad of ["../outside.bin", "/etc/passwd", "a/../../b", "a\u0000b", "a//b", "C:/x"]) {
            for (const attempt of [
              Effect.asVoid(service.put(f.path, bad)),
              Effect.asVoid(service.get(bad, join(dir, "g"))),
              Effect.asVoid(service.stat(bad)),
              Effect.asVoid(service.exists(bad)),
            ]) {
              const error = yield* Effect.flip(attempt)
              assert.strictEqual(error._tag, "ConfigurationError", bad)
            }
          }
          const error = yield* Effect.flip(service.list("../up"))
          assert.strictEqual(error._tag, "ConfigurationError")
          assert.deepStrictEqual(yield* service.list(""), [])
        }),
      ),
    )

    it.live("fails a put of a missing local file with LocalStorageError and stores nothing", () =>
      run((service, dir) =>
        Effect.gen(function* () {
          const error = yield* Effect.flip(service.put(join(dir, "missing.parquet"), "m/missing.parquet"))
          assert.strictEqual(error._tag, "LocalStorageError")
          assert.isFalse(yield* service.exists("m/missing.parquet"))
        }),
      ),
    )
  })
