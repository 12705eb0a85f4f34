import { createHash } from "node:crypto"
import { resolve } from "node:path"
import { FileSystem } from "@effect/platform"
import { Effect, Layer, Option, Schema, Stream } from "effect"
import { LocalStorageError } from "../../domain/Errors.js"
import { joinPath } from "../../domain/LakePath.js"
import { atomicWrite, type FileFacts, fileFacts, localStorageError, writeFileAtomic } from "../../platform/Files.js"
import { AppConfig } from "../../services/AppConfig.js"
import { Lake, type LakeEntry, type LakeObject } from "../../services/Lake.js"
import { isStagingPath, lakePath, lakePrefix } from "./LakePaths.js"
import { logSkipped, logWritten } from "./LakePutLog.js"

/** Where each file's SHA-256 is kept, under the lake's root; hidden, so query engines skip it. */
const META_DIR = ".lake-meta"

/** A recorded digest holds while the file keeps the size and modification time it had. */
const Recorded = Schema.parseJson(
  Schema.Struct({ sizeBytes: Schema.Number, mtimeMs: Schema.Number, sha256: Schema.String }),
)

type Digest = { readonly sizeBytes: number; readonly sha256: string }

const info = (fs: FileSystem.FileSystem, file: string) =>
  fs.stat(file).pipe(
    Effect.map(Option.some),
    Effect.catchIf(
      (e) => e._tag === "SystemError" && e.reason === "NotFound",
      () => Effect.succeed(Option.none()),
    ),
    Effect.mapError(localStorageError("stat", file)),
  )

const mtimeMsOf = (found: Option.Option<FileSystem.File.Info>): number =>
  Option.getOrElse(
    Option.flatMap(found, (i) => i.mtime),
    () => new Date(0),
  ).getTime()

/** Copies `from` to `to` as a stream, hashing the bytes written. */
const copyHashed = (fs: FileSystem.FileSystem, from: string, to: string) =>
  Effect.suspend(() => {
    const hash = createHash("sha256")
    let sizeBytes = 0
    return fs.stream(from, { chunkSize: 1024 * 1024 }).pipe(
      Stream.tap((chunk) =>
        Effect.sync(() => {
          hash.update(chunk)
          sizeBytes += chunk.length
        }),
      ),
      Stream.run(fs.sink(to)),
      Effect.mapError(localStorageError("copy", from)),
      Effect.map((): Digest => ({ sizeBytes, sha256: hash.digest("hex") })),
    )
  })

const checked = (operation: string, path: string, expected: Digest) =>
  Effect.flatMap((actual: Digest) =>
    actual.sizeBytes === expected.sizeBytes && actual.sha256 === expected.sha256
      ? Effect.succeed(actual)
      : Effect.fail(
          new LocalStorageError({
            message: `lake ${operation} of ${path}: the bytes copied do not match (size ${actual.sizeBytes} vs ${expected.sizeBytes}, sha256 ${actual.sha256} vs ${expected.sha256}); did the file change meanwhile?`,
            details: { operation, path, reason: "Mismatch", expected, actual },
          }),
        ),
  )

/** The files under `dir` of the lake at `root` (not the digests, not a put's staging file), sorted. */
const listFiles = (fs: FileSystem.FileSystem, root: string, dir: string) =>
  Effect.gen(function* () {
    const base = dir === "" ? root : joinPath(root, dir)
    const found = yield* info(fs, base)
    if (Option.isNone(found) || found.value.type !== "Directory") return []
    const names = yield* fs
      .readDirectory(base, { recursive: true })
      .pipe(Effect.mapError(localStorageError("list", base)))
    const entries: Array<LakeEntry> = []
    for (const name of names) {
      const path = joinPath(dir, name.replaceAll("\\", "/"))
      if (path === META_DIR || path.startsWith(`${META_DIR}/`) || isStagingPath(path)) continue
      const item = yield* info(fs, joinPath(root, path))
      if (Option.isSome(item) && item.value.type === "File") entries.push({ path, sizeBytes: Number(item.value.size) })
    }
    return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  })

const make = (root: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const location = `file://${resolve(root)}`
    const fileOf = (path: string) => joinPath(root, path)
    const metaOf = (path: string) => joinPath(root, META_DIR, `${path}.json`)
    const local = Effect.provideService(FileSystem.FileSystem, fs)

    const stat = Effect.fn("Lake.stat")(function* (path: string) {
      const p = yield* lakePath(path)
      const found = yield* info(fs, fileOf(p))
      if (Option.isNone(found) || found.value.type !== "File") return Option.none<LakeObject>()
      const sizeBytes = Number(found.value.size)
      const mtimeMs = mtimeMsOf(found)
      const recorded = yield* fs
        .readFileString(metaOf(p))
        .pipe(Effect.flatMap(Schema.decodeUnknown(Recorded)), Effect.option)
      const sha256 =
        Option.isSome(recorded) && recorded.value.sizeBytes === sizeBytes && recorded.value.mtimeMs === mtimeMs
          ? recorded.value.sha256
          : (yield* local(fileFacts(fileOf(p)))).sha256
      return Option.some<LakeObject>({ path: p, sizeBytes, sha256: Option.some(sha256) })
    })

    const put = Effect.fn("Lake.put")(function* (localFile: string, path: string) {
      const p = yield* lakePath(path)
      const facts: FileFacts = { ...(yield* local(fileFacts(localFile))), path: p }
      const existing = yield* stat(p)
      if (
        Option.isSome(existing) &&
        existing.value.sizeBytes === facts.sizeBytes &&
        Option.contains(existing.value.sha256, facts.sha256)
      ) {
        yield* logSkipped(location, facts)
        return facts
      }
      yield* local(atomicWrite(fileOf(p), (temp) => copyHashed(fs, localFile, temp).pipe(checked("put", p, facts))))
      const mtimeMs = mtimeMsOf(yield* info(fs, fileOf(p)))
      yield* local(
        writeFileAtomic(metaOf(p), JSON.stringify({ sizeBytes: facts.sizeBytes, mtimeMs, sha256: facts.sha256 })),
      )
      yield* logWritten(location, facts, "File written to the local lake successfully")
      return facts
    })

    const get = Effect.fn("Lake.get")(function* (path: string, localFile: string) {
      const p = yield* lakePath(path)
      const found = yield* stat(p)
      if (Option.isNone(found)) {
        return yield* new LocalStorageError({
          message: `lake get of ${p}: no such object in ${location}`,
          details: { operation: "get", path: p, reason: "NotFound" },
        })
      }
      const expected = { sizeBytes: found.value.sizeBytes, sha256: Option.getOrElse(found.value.sha256, () => "") }
      const copied = yield* local(
        atomicWrite(localFile, (temp) => copyHashed(fs, fileOf(p), temp).pipe(checked("get", p, expected))),
      )
      return { path: localFile, ...copied }
    })

    const list = Effect.fn("Lake.list")(function* (prefix: string) {
      return yield* listFiles(fs, root, yield* lakePrefix(prefix))
    })

    const remove = Effect.fn("Lake.remove")(function* (path: string) {
      const p = yield* lakePath(path)
      for (const file of [fileOf(p), metaOf(p)]) {
        yield* fs.remove(file, { force: true }).pipe(Effect.mapError(localStorageError("remove", file)))
      }
    })

    const exists = Effect.fn("Lake.exists")((path: string) => Effect.map(stat(path), Option.isSome))

    return Lake.of({ location, put, exists, stat, get, remove, list })
  })

/**
 * A local directory as the lake (the embedded default, LAKE_DIR): `{dir}/{lake path}`, written
 * atomically, each file's SHA-256 recorded under `{dir}/.lake-meta/` (recomputed when the file
 * was changed by hand).
 */
export const layer: Layer.Layer<Lake, never, AppConfig | FileSystem.FileSystem> = Layer.effect(
  Lake,
  Effect.flatMap(AppConfig, (settings) => make(settings.lake.localDir)),
)

/** The same at `dir`, whatever the settings say. */
export const layerAt = (dir: string): Layer.Layer<Lake, never, FileSystem.FileSystem> => Layer.effect(Lake, make(dir))
