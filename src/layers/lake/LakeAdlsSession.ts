import type { DataLakeFileClient, DataLakeFileSystemClient } from "@azure/storage-file-datalake"
import { Effect, Option, Ref, type Schedule } from "effect"
import type { AuthenticationError, AzureStorageError } from "../../domain/Errors.js"
import { isTransientLakeError, type LakeError } from "../../services/Lake.js"
import type { AdlsConnection } from "./LakeAdlsClient.js"
import { toLakeError } from "./LakeAdlsErrors.js"

/** The metadata key a put stores the file's SHA-256 under. */
export const SHA256_KEY = "sha256"

/** What the service holds for a file: size, the SHA-256 a put stored (none for another tool's), ETag. */
export interface Head {
  readonly sizeBytes: number
  readonly sha256: string | undefined
  readonly etag: string | undefined
}

/** The calls every operation of the ADLS lake is made of, on one connection. */
export interface AdlsSession {
  readonly fileSystem: DataLakeFileSystemClient
  readonly location: string
  /** One SDK call, its rejection mapped to our errors (no secret in them). */
  readonly sdk: <A>(
    operation: string,
    path: string,
    call: (signal: AbortSignal) => Promise<A>,
  ) => Effect.Effect<A, AuthenticationError | AzureStorageError>
  /** `self` again on the layer's schedule after a transient failure, with a warning each time. */
  readonly withRetry: <A, R>(self: Effect.Effect<A, LakeError, R>) => Effect.Effect<A, LakeError, R>
  /** Creates the file system (CONTAINER) when it is missing; checked once a layer. */
  readonly ensureContainer: Effect.Effect<void, LakeError>
  /** The file's head; none when it is missing or a directory. */
  readonly head: (path: string, file: DataLakeFileClient) => Effect.Effect<Option.Option<Head>, LakeError>
}

export const makeSession = (
  connection: AdlsConnection,
  retry: Schedule.Schedule<unknown, LakeError>,
): Effect.Effect<AdlsSession> =>
  Effect.gen(function* () {
    const { fileSystem, location, secrets } = connection
    const containerReady = yield* Ref.make(false)

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

    const head = (path: string, file: DataLakeFileClient) =>
      sdk("get properties", path, (abortSignal) => file.getProperties({ abortSignal })).pipe(
        Effect.map(
          (p): Option.Option<Head> =>
            p.metadata?.hdi_isfolder === "true"
              ? Option.none()
              : Option.some({ sizeBytes: p.contentLength ?? 0, sha256: p.metadata?.[SHA256_KEY], etag: p.etag }),
        ),
        Effect.catchIf(
          (e) => e._tag === "AzureStorageError" && e.details.status === 404,
          () => Effect.succeed(Option.none<Head>()),
        ),
      )

    return { fileSystem, location, sdk, withRetry, ensureContainer, head }
  })
