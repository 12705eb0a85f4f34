import type { StorageRetryOptions } from "@azure/storage-file-datalake"
import { FileSystem } from "@effect/platform"
import { Effect, Layer, Option, type Schedule } from "effect"
import type { ConfigurationError } from "../../domain/Errors.js"
import { fileFacts } from "../../platform/Files.js"
import { AppConfig } from "../../services/AppConfig.js"
import { Lake, type LakeError, type LakeObject, lakeRetry } from "../../services/Lake.js"
import { type AdlsConnection, connectAdls } from "./LakeAdlsClient.js"
import { makeSession } from "./LakeAdlsSession.js"
import { downloadOnce, listUnder, localVersion, uploadOnce } from "./LakeAdlsTransfer.js"
import { lakePath, lakePrefix } from "./LakePaths.js"
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

const make = (connection: AdlsConnection, options: LakeAdlsOptions) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const session = yield* makeSession(connection, options.retry ?? lakeRetry)
    const { fileSystem, location, withRetry, head } = session
    const shape = { chunkSize: options.chunkSizeBytes ?? 8 * MiB, concurrency: options.concurrency ?? 4 }
    const local = Effect.provideService(FileSystem.FileSystem, fs)

    const stat = Effect.fn("Lake.stat")(function* (path: string) {
      const p = yield* lakePath(path)
      const found = yield* withRetry(head(p, fileSystem.getFileClient(p)))
      return Option.map(
        found,
        (h): LakeObject => ({ path: p, sizeBytes: h.sizeBytes, sha256: Option.fromNullable(h.sha256) }),
      )
    })

    const put = Effect.fn("Lake.put")(function* (localFile: string, path: string) {
      const p = yield* lakePath(path)
      const version = yield* local(localVersion(localFile))
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
      yield* withRetry(local(uploadOnce(session, shape, localFile, facts, version)))
      yield* logWritten(location, facts, "File uploaded to ADLS successfully")
      return facts
    })

    const get = Effect.fn("Lake.get")(function* (path: string, localFile: string) {
      const p = yield* lakePath(path)
      const facts = yield* withRetry(local(downloadOnce(session, p, localFile)))
      return { path: localFile, ...facts }
    })

    const list = Effect.fn("Lake.list")(function* (prefix: string) {
      const entries = yield* withRetry(listUnder(session, yield* lakePrefix(prefix)))
      return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    })

    const remove = Effect.fn("Lake.remove")(function* (path: string) {
      const p = yield* lakePath(path)
      yield* withRetry(
        session.sdk("delete", p, (abortSignal) => fileSystem.getFileClient(p).deleteIfExists(false, { abortSignal })),
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
