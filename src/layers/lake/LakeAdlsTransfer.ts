import { createHash, randomUUID } from "node:crypto"
import { createWriteStream } from "node:fs"
import { Transform } from "node:stream"
import { pipeline } from "node:stream/promises"
import { FileSystem } from "@effect/platform"
import { Effect, Option } from "effect"
import { AzureStorageError, LocalStorageError } from "../../domain/Errors.js"
import { atomicWrite, type FileFacts, localStorageError } from "../../platform/Files.js"
import type { LakeEntry } from "../../services/Lake.js"
import { contentType, moveDestination } from "./LakeAdlsClient.js"
import { mismatch } from "./LakeAdlsErrors.js"
import { type AdlsSession, SHA256_KEY } from "./LakeAdlsSession.js"
import { isStagingPath, stagingPath } from "./LakePaths.js"

export interface UploadShape {
  /** Append size of the chunked upload. */
  readonly chunkSize: number
  readonly concurrency: number
}

/** Size and modification time: the SDK reads the file itself, so a change while it does must be caught. */
export const localVersion = (file: string) =>
  Effect.flatMap(FileSystem.FileSystem, (fs) =>
    fs.stat(file).pipe(
      Effect.map((i) => `${i.size}@${Option.getOrUndefined(i.mtime)?.getTime()}`),
      Effect.mapError(localStorageError("stat", file)),
    ),
  )

/**
 * One attempt at a put: upload under a hidden name, check what the service holds, rename into
 * place. The hidden file is deleted when anything fails.
 */
export const uploadOnce = (
  session: AdlsSession,
  shape: UploadShape,
  localFile: string,
  facts: FileFacts,
  version: string,
) => {
  const path = facts.path
  const file = session.fileSystem.getFileClient(stagingPath(path, randomUUID().slice(0, 8)))
  return Effect.gen(function* () {
    yield* session.ensureContainer
    yield* session.sdk("upload", path, (abortSignal) =>
      file.uploadFile(localFile, {
        abortSignal,
        chunkSize: shape.chunkSize,
        singleUploadThreshold: shape.chunkSize,
        maxConcurrency: shape.concurrency,
        metadata: { [SHA256_KEY]: facts.sha256 },
        pathHttpHeaders: { contentType: contentType(path) },
      }),
    )
    const stored = yield* session.head(path, file)
    if (Option.isNone(stored) || stored.value.sizeBytes !== facts.sizeBytes || stored.value.sha256 !== facts.sha256) {
      return yield* mismatch(
        "put",
        path,
        facts,
        Option.getOrElse(stored, () => ({ sizeBytes: 0 })),
      )
    }
    if ((yield* localVersion(localFile)) !== version) {
      return yield* new LocalStorageError({
        message: `${localFile} changed while it was uploaded to ${path}; nothing was put`,
        details: { operation: "put", path: localFile, lakePath: path, reason: "ChangedDuringUpload" },
      })
    }
    yield* session.sdk("rename", path, (abortSignal) => file.move(moveDestination(path), { abortSignal }))
  }).pipe(
    Effect.onError(() =>
      Effect.tryPromise((abortSignal) => file.deleteIfExists(false, { abortSignal })).pipe(Effect.ignore),
    ),
  )
}

/** Streams the object to `temp`, hashing as it goes; the ETag pins the version `head` saw. */
const download = (session: AdlsSession, path: string, etag: string | undefined, temp: string) =>
  session.sdk("read", path, async (abortSignal) => {
    const response = await session.fileSystem
      .getFileClient(path)
      .read(0, undefined, { abortSignal, conditions: etag ? { ifMatch: etag } : {}, maxRetryRequests: 5 })
    const body = response.readableStreamBody
    if (!body) throw new Error("the SDK gave no body stream")
    const hash = createHash("sha256")
    let sizeBytes = 0
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk)
        sizeBytes += chunk.length
        done(null, chunk)
      },
    })
    await pipeline(body, tap, createWriteStream(temp), { signal: abortSignal })
    return { sizeBytes, sha256: hash.digest("hex") }
  })

/** One attempt at a get: the object at `path` to `localFile`, whole, its size and SHA-256 checked. */
export const downloadOnce = (session: AdlsSession, path: string, localFile: string) =>
  Effect.gen(function* () {
    const found = yield* session.head(path, session.fileSystem.getFileClient(path))
    if (Option.isNone(found)) {
      return yield* new AzureStorageError({
        message: `ADLS get of ${path}: no such object in ${session.location}`,
        details: { operation: "get", path, status: 404, reason: "NotFound", transient: false },
      })
    }
    const expected = found.value
    return yield* atomicWrite(localFile, (temp) =>
      Effect.flatMap(download(session, path, expected.etag, temp), (actual) =>
        actual.sizeBytes !== expected.sizeBytes || (expected.sha256 !== undefined && actual.sha256 !== expected.sha256)
          ? Effect.fail(
              mismatch("get", path, { path, sizeBytes: expected.sizeBytes, sha256: expected.sha256 ?? "" }, actual),
            )
          : Effect.succeed(actual),
      ),
    )
  })

/** The files under the directory `dir` ("" for all), without a put's staging files; none when it is missing. */
export const listUnder = (session: AdlsSession, dir: string) =>
  session
    .sdk("list", dir, async () => {
      const found: Array<LakeEntry> = []
      const paths = session.fileSystem.listPaths({ recursive: true, ...(dir === "" ? {} : { path: dir }) })
      for await (const p of paths) {
        if (p.isDirectory || !p.name || isStagingPath(p.name)) continue
        found.push({ path: p.name, sizeBytes: p.contentLength ?? 0 })
      }
      return found
    })
    .pipe(
      Effect.catchIf(
        (e) => e._tag === "AzureStorageError" && e.details.status === 404,
        () => Effect.succeed<Array<LakeEntry>>([]),
      ),
    )
