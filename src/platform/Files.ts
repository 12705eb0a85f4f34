import { createHash } from "node:crypto"
import { FileSystem } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Effect, Exit, Stream } from "effect"
import { LocalStorageError } from "../domain/Errors.js"

/** A file the pipeline wrote or read, as recorded in metrics, sidecars and the lake. */
export interface FileFacts {
  readonly path: string
  readonly sizeBytes: number
  readonly sha256: string
}

/** Maps @effect/platform's error to ours, naming the operation and the path. */
export const localStorageError =
  (operation: string, path: string) =>
  (error: PlatformError): LocalStorageError =>
    new LocalStorageError({
      message: `could not ${operation} ${path}: ${error.message}`,
      details: { operation, path, reason: error._tag === "SystemError" ? error.reason : error._tag },
    })

const dirname = (path: string) => {
  const i = path.lastIndexOf("/")
  return i <= 0 ? (i === 0 ? "/" : ".") : path.slice(0, i)
}

const basename = (path: string) => path.slice(path.lastIndexOf("/") + 1)

/**
 * Produces a file through a hidden temp file beside it (`.{name}.tmp-{pid}-{random}`), renamed into
 * place only when `write` succeeds. On failure or interruption the temp file is removed, so a
 * reader never sees a partial file under the final name.
 */
export const atomicWrite = <A, E, R>(
  path: string,
  write: (tempPath: string) => Effect.Effect<A, E, R>,
): Effect.Effect<A, E | LocalStorageError, R | FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const dir = dirname(path)
    yield* fs.makeDirectory(dir, { recursive: true }).pipe(Effect.mapError(localStorageError("create directory", dir)))
    const name = `.${basename(path)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`
    const temp = `${dir}/${name}`
    writing.add(name)
    return yield* write(temp).pipe(
      Effect.tap(() => fs.rename(temp, path).pipe(Effect.mapError(localStorageError("rename into", path)))),
      Effect.onExit((exit) =>
        Effect.zipRight(
          Effect.sync(() => writing.delete(name)),
          Exit.isSuccess(exit) ? Effect.void : fs.remove(temp, { force: true }).pipe(Effect.ignore),
        ),
      ),
    )
  })

/**
 * The names of the temp files this process is writing now. Process-wide on purpose, not a layer's
 * or a fiber's: a temp name carries the process id, so `removeAbandonedTemps` must spare the files
 * of every writer in this process, whichever layer or fiber started it.
 */
const writing = new Set<string>()

/** The writer's process id in the name of an `atomicWrite` temp file (`.{name}.tmp-{pid}-{random}`). */
const TEMP_NAME = /^\..+\.tmp-(\d+)-[a-z0-9]+$/

/** Is there a process `pid` on this machine? (EPERM: there is, someone else's.) */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"
  }
}

/**
 * Removes the temp files of `dir` that a killed process left behind (a SIGKILL leaves no chance to
 * clean up, and a half-written Parquet file can be gigabytes): `atomicWrite` names that this
 * process is not writing and whose writer is no other live process. A file named with this
 * process's id but not being written is an earlier process's (in a container every run is pid 1).
 * Process ids are per machine: two machines running the same week at once on a shared disk could
 * take each other's temp files for abandoned (the writer's rename then fails, loudly). Answers how
 * many went.
 */
export const removeAbandonedTemps = (dir: string): Effect.Effect<number, never, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const names = yield* fs.readDirectory(dir).pipe(Effect.orElseSucceed((): ReadonlyArray<string> => []))
    let removed = 0
    for (const name of names) {
      const pid = Number(TEMP_NAME.exec(name)?.[1] ?? Number.NaN)
      if (!Number.isSafeInteger(pid) || writing.has(name) || (pid !== process.pid && alive(pid))) continue
      const gone = yield* fs.remove(`${dir}/${name}`, { force: true }).pipe(
        Effect.as(true),
        Effect.orElseSucceed(() => false),
      )
      if (gone) removed++
    }
    return removed
  })

/** Writes a whole small file atomically, flushed to disk before it is renamed into place. */
export const writeFileAtomic = (
  path: string,
  data: string | Uint8Array,
): Effect.Effect<void, LocalStorageError, FileSystem.FileSystem> =>
  atomicWrite(path, (temp) =>
    Effect.scoped(
      Effect.gen(function* () {
        const fs = yield* FileSystem.FileSystem
        const file = yield* fs.open(temp, { flag: "w" })
        const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data
        // writeAll fails with WriteZero on an empty buffer: an empty file needs no write.
        if (bytes.length > 0) yield* file.writeAll(bytes)
        yield* file.sync
      }),
    ).pipe(Effect.mapError(localStorageError("write", path))),
  )

/** Size and SHA-256 of a file, read as a stream (never whole into memory). */
export const fileFacts = (path: string): Effect.Effect<FileFacts, LocalStorageError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const hash = createHash("sha256")
    let sizeBytes = 0
    yield* fs.stream(path, { chunkSize: 1024 * 1024 }).pipe(
      Stream.runForEach((chunk) =>
        Effect.sync(() => {
          hash.update(chunk)
          sizeBytes += chunk.length
        }),
      ),
      Effect.mapError(localStorageError("read", path)),
    )
    return { path, sizeBytes, sha256: hash.digest("hex") }
  })
