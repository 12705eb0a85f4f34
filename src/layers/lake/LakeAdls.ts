import { createHash, randomUUID } from "node:crypto"
import { createWriteStream } from "node:fs"
import { Transform } from "node:stream"
import { pipeline } from "node:stream/promises"
import type { DataLakeFileClient, StorageRetryOptions } from "@azure/storage-file-datalake"
import { FileSystem } from "@effect/platform"
import { Effect, Layer, Option, Ref, type Schedule } from "effect"
import type { ConfigurationError } from "../../domain/Errors.js"
import { AzureStorageError, LocalStorageError } from "../../domain/Errors.js"
import { atomicWrite, type FileFacts, fileFacts, localStorageError } from "../../platform/Files.js"
import { AppConfig } from "../../services/AppConfig.js"
import { isTransientLakeError, Lake, type LakeError, type LakeObject, lakeRetry } from "../../services/Lake.js"
import { type AdlsConnection, connectAdls, contentType, moveDestination } from "./LakeAdlsClient.js"
import { mismatch, toLakeError } from "./LakeAdlsErrors.js"
import { isStagingPath, lakePath, lakePrefix, stagingPath } from "./LakePaths.js"
import { logSkipped, logWritten } from "./LakePutLog.js"

export interface LakeAdlsOptions {
  /** The SDK's own per-request retries (default: 4 tries). Tests that inject failures use `{ maxTries: 1 }`. */
  readonly retryOptions?: StorageRetryOptions
  /** Our retries of a whole operation after the SDK gave up; `lakeRetry` by default. */
  readonly retry?: Schedule.Schedule<unknown, LakeError>
  /** Append size of the chunked upload (default 8 MiB); the memory a put holds is about this times `concurrency`. */
  readonly chunkSizeBytes?: number
  readonly concurrency?: number
}

const MiB = 1024 * 1024
const SHA256_KEY = "sha256"

const make = (connection: AdlsConnection, options: LakeAdlsOptions) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const { fileSystem, location, secrets } = connection
    const retry = options.retry ?? lakeRetry
    const chunkSize = options.chunkSizeBytes ?? 8 * MiB
    const concurrency = options.concurrency ?? 4
    const containerReady = yield* Ref.make(false)
    const local = Effect.provideService(FileSystem.FileSystem, fs)

    const sdk = <A>(operation: string, path: string, call: (signal: AbortSignal) => Promise<A>) =>
      Effect.tryPromise({ try: call, catch: toLakeError(operation, path, secrets) })

    const withRetry = <A, R>(self: Effect.Effect<A, LakeError, R>) =>
      self.pipe(
        Effect.tapError((e) =>
          isTransientLakeError(e)
            ? Effect.logWarning("ADLS call failed, will retry if attempts remain").pipe(
                Effect.annotateLogs({ error_message: e.message, details: e.details }),
              )
            : Effect.void,
        ),
        Effect.retry(retry),
      )

    const ensureContainer = Effect.gen(function* () {
      if (yield* Ref.get(containerReady)) return
      const exists = yield* sdk("check file system", "", (abortSignal) => fileSystem.exists({ abortSignal }))
      if (!exists) {
        const created = yield* sdk("create file system", "", (abortSignal) =>
          fileSystem.createIfNotExists({ abortSignal }),
        )
        if (created.succeeded)
          yield* Effect.logInfo("ADLS file system created").pipe(Effect.annotateLogs({ lake: location }))
      }
      yield* Ref.set(containerReady, true)
    })

    /** Size, stored SHA-256 and ETag of a file; none when missing or a directory. */
    const head = (path: string, file: DataLakeFileClient) =>
      sdk("get properties", path, (abortSignal) => file.getProperties({ abortSignal })).pipe(
        Effect.map((p) =>
          p.metadata?.hdi_isfolder === "true"
            ? Option.none()
            : Option.some({ sizeBytes: p.contentLength ?? 0, sha256: p.metadata?.[SHA256_KEY], etag: p.etag }),
        ),
        Effect.catchIf(
          (e) => e._tag === "AzureStorageError" && e.details.status === 404,
          () => Effect.succeed(Option.none()),
        ),
      )

    const stat = Effect.fn("Lake.stat")(function* (path: string) {
      const p = yield* lakePath(path)
      const found = yield* withRetry(head(p, fileSystem.getFileClient(p)))
      return Option.map(
        found,
        (h): LakeObject => ({ path: p, sizeBytes: h.sizeBytes, sha256: Option.fromNullable(h.sha256) }),
      )
    })

    /** Size and modification time: the SDK reads the file itself, so a change while it does must be caught. */
    const localVersion = (file: string) =>
      fs.stat(file).pipe(
        Effect.map((i) => `${i.size}@${Option.getOrUndefined(i.mtime)?.getTime()}`),
        Effect.mapError(localStorageError("stat", file)),
      )

    /** One attempt: upload under a hidden name, check what the service holds, rename into place. */
    const upload = (localFile: string, path: string, facts: FileFacts, version: string) => {
      const staging = stagingPath(path, randomUUID().slice(0, 8))
      const file = fileSystem.getFileClient(staging)
      return Effect.gen(function* () {
        yield* ensureContainer
        yield* sdk("upload", path, (abortSignal) =>
          file.uploadFile(localFile, {
            abortSignal,
            chunkSize,
            singleUploadThreshold: chunkSize,
            maxConcurrency: concurrency,
            metadata: { [SHA256_KEY]: facts.sha256 },
            pathHttpHeaders: { contentType: contentType(path) },
          }),
        )
        const stored = yield* head(path, file)
        if (
          Option.isNone(stored) ||
          stored.value.sizeBytes !== facts.sizeBytes ||
          stored.value.sha256 !== facts.sha256
        ) {
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
        yield* sdk("rename", path, (abortSignal) => file.move(moveDestination(path), { abortSignal }))
      }).pipe(
        Effect.onError(() =>
          Effect.tryPromise((abortSignal) => file.deleteIfExists(false, { abortSignal })).pipe(Effect.ignore),
        ),
      )
    }

    const put = Effect.fn("Lake.put")(function* (localFile: string, path: string) {
      const p = yield* lakePath(path)
      const version = yield* localVersion(localFile)
      const facts = { ...(yield* local(fileFacts(localFile))), path: p }
      const existing = yield* withRetry(head(p, fileSystem.getFileClient(p)))
      if (
        Option.isSome(existing) &&
        existing.value.sizeBytes === facts.sizeBytes &&
        existing.value.sha256 === facts.sha256
      ) {
        yield* logSkipped(location, facts)
        return facts
      }
      yield* withRetry(upload(localFile, p, facts, version))
      yield* logWritten(location, facts, "File uploaded to ADLS successfully")
      return facts
    })

    /** Streams the object to `temp`, hashing as it goes; the ETag pins the version `head` saw. */
    const download = (path: string, etag: string | undefined, temp: string) =>
      sdk("read", path, async (abortSignal) => {
        const response = await fileSystem
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

    const get = Effect.fn("Lake.get")(function* (path: string, localFile: string) {
      const p = yield* lakePath(path)
      const facts = yield* withRetry(
        Effect.gen(function* () {
          const found = yield* head(p, fileSystem.getFileClient(p))
          if (Option.isNone(found)) {
            return yield* new AzureStorageError({
              message: `ADLS get of ${p}: no such object in ${location}`,
              details: { operation: "get", path: p, status: 404, reason: "NotFound", transient: false },
            })
          }
          const expected = found.value
          return yield* atomicWrite(localFile, (temp) =>
            Effect.flatMap(download(p, expected.etag, temp), (actual) =>
              actual.sizeBytes !== expected.sizeBytes ||
              (expected.sha256 !== undefined && actual.sha256 !== expected.sha256)
                ? Effect.fail(
                    mismatch(
                      "get",
                      p,
                      { path: p, sizeBytes: expected.sizeBytes, sha256: expected.sha256 ?? "" },
                      actual,
                    ),
                  )
                : Effect.succeed(actual),
            ),
          ).pipe(local)
        }),
      )
      return { path: localFile, ...facts }
    })

    const list = Effect.fn("Lake.list")(function* (prefix: string) {
      const dir = yield* lakePrefix(prefix)
      const entries = yield* withRetry(
        sdk("list", dir, async () => {
          const found: Array<{ path: string; sizeBytes: number }> = []
          for await (const p of fileSystem.listPaths({ recursive: true, ...(dir === "" ? {} : { path: dir }) })) {
            if (p.isDirectory || !p.name || isStagingPath(p.name)) continue
            found.push({ path: p.name, sizeBytes: p.contentLength ?? 0 })
          }
          return found
        }).pipe(
          Effect.catchIf(
            (e) => e._tag === "AzureStorageError" && e.details.status === 404,
            () => Effect.succeed([]),
          ),
        ),
      )
      return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    })

    const remove = Effect.fn("Lake.remove")(function* (path: string) {
      const p = yield* lakePath(path)
      yield* withRetry(
        sdk("delete", p, (abortSignal) => fileSystem.getFileClient(p).deleteIfExists(false, { abortSignal })),
      )
    })

    const exists = Effect.fn("Lake.exists")((path: string) => Effect.map(stat(path), Option.isSome))

    return Lake.of({ location, put, exists, stat, get, remove, list })
  })

const build = (options: LakeAdlsOptions): Layer.Layer<Lake, ConfigurationError, AppConfig | FileSystem.FileSystem> =>
  Layer.effect(
    Lake,
    Effect.gen(function* () {
      const { lake } = yield* AppConfig
      const connection = yield* connectAdls(lake, options.retryOptions ? { retryOptions: options.retryOptions } : {})
      yield* Effect.logDebug("ADLS lake configured").pipe(
        Effect.annotateLogs({ lake: connection.location, credential: connection.credential }),
      )
      return yield* make(connection, options)
    }),
  )

/**
 * ADLS Gen2 as the lake, through @azure/storage-file-datalake. Settings: STORAGE_ACCOUNT,
 * CONTAINER (created on the first put when missing), ADLS_ENDPOINT, and a credential (see
 * `connectAdls`).
 */
export const layer = build({})

/** The same with other SDK and whole-operation retries, or another upload chunking. */
export const layerWith = build
