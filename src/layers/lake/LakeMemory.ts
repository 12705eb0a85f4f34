import { createHash } from "node:crypto"
import { FileSystem } from "@effect/platform"
import { Effect, Layer, Option } from "effect"
import { LocalStorageError } from "../../domain/Errors.js"
import { localStorageError, writeFileAtomic } from "../../platform/Files.js"
import { Lake, type LakeEntry, type LakeObject } from "../../services/Lake.js"
import { lakePath, lakePrefix } from "./LakePaths.js"
import { logSkipped, logWritten } from "./LakePutLog.js"

interface Stored {
  readonly bytes: Uint8Array
  readonly sha256: string
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")

const make = Effect.gen(function* () {
  const fs = yield* FileSystem.FileSystem
  const objects = new Map<string, Stored>()
  const location = "memory:"

  const objectOf = (p: string, o: Stored): LakeObject => ({
    path: p,
    sizeBytes: o.bytes.length,
    sha256: Option.some(o.sha256),
  })

  const stat = Effect.fn("Lake.stat")((path: string) =>
    Effect.map(lakePath(path), (p) => Option.map(Option.fromNullable(objects.get(p)), (o) => objectOf(p, o))),
  )

  const put = Effect.fn("Lake.put")(function* (localFile: string, path: string) {
    const p = yield* lakePath(path)
    const bytes = yield* fs.readFile(localFile).pipe(Effect.mapError(localStorageError("read", localFile)))
    const facts = { path: p, sizeBytes: bytes.length, sha256: sha256(bytes) }
    if (objects.get(p)?.sha256 === facts.sha256) {
      yield* logSkipped(location, facts)
      return facts
    }
    objects.set(p, { bytes: Uint8Array.from(bytes), sha256: facts.sha256 })
    yield* logWritten(location, facts, "File stored in the in-memory lake")
    return facts
  })

  const get = Effect.fn("Lake.get")(function* (path: string, localFile: string) {
    const p = yield* lakePath(path)
    const found = objects.get(p)
    if (!found) {
      return yield* new LocalStorageError({
        message: `lake get of ${p}: no such object in ${location}`,
        details: { operation: "get", path: p, reason: "NotFound" },
      })
    }
    yield* writeFileAtomic(localFile, found.bytes).pipe(Effect.provideService(FileSystem.FileSystem, fs))
    return { path: localFile, sizeBytes: found.bytes.length, sha256: found.sha256 }
  })

  const list = Effect.fn("Lake.list")((prefix: string) =>
    Effect.map(
      lakePrefix(prefix),
      (dir): ReadonlyArray<LakeEntry> =>
        [...objects]
          .filter(([p]) => dir === "" || p.startsWith(`${dir}/`))
          .map(([p, o]) => ({ path: p, sizeBytes: o.bytes.length }))
          .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    ),
  )

  const remove = Effect.fn("Lake.remove")((path: string) => Effect.map(lakePath(path), (p) => void objects.delete(p)))

  const exists = Effect.fn("Lake.exists")((path: string) => Effect.map(stat(path), Option.isSome))

  return Lake.of({ location, put, exists, stat, get, remove, list })
})

/** The lake as a map in memory, fresh for each build of the layer: for tests of the stages. */
export const layer: Layer.Layer<Lake, never, FileSystem.FileSystem> = Layer.effect(Lake, make)
