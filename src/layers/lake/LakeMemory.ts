import { createHash } from "node:crypto"
import { FileSystem } from "@effect/platform"
import { Effect, Layer, Option } from "effect"
import { LocalStorageError } from "../../domain/Errors.js"
import { localStorageError, writeFileAtomic } from "../../platform/Files.js"
import type { LakeEntry, LakeObject } from "../../services/Lake.js"
import { Lake, lakePath, lakePrefix, logSkipped, logWritten } from "../../services/Lake.js"

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

  const stat = (path: string) =>
    Effect.map(lakePath(path), (p) => Option.map(Option.fromNullable(objects.get(p)), (o) => objectOf(p, o)))

  const put = Effect.fn("LakeMemory.put")(function* (localFile: string, path: string) {
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

  const get = Effect.fn("LakeMemory.get")(function* (path: string, localFile: string) {
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

  const list = (prefix: string) =>
    Effect.map(
      lakePrefix(prefix),
      (dir): ReadonlyArray<LakeEntry> =>
        [...objects]
          .filter(([p]) => dir === "" || p.startsWith(`${dir}/`))
          .map(([p, o]) => ({ path: p, sizeBytes: o.bytes.length }))
          .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    )

  const remove = (path: string) => Effect.map(lakePath(path), (p) => void objects.delete(p))

  return Lake.of({ location, put, exists: (path) => Effect.map(stat(path), Option.isSome), stat, get, remove, list })
})

/** The lake as a map in memory, fresh for each build of the layer: for tests of the stages. */
export const LakeMemory = {
  layer: Layer.effect(Lake, make) satisfies Layer.Layer<Lake, never, FileSystem.FileSystem>,
}
