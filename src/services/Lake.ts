import type { Effect, Option } from "effect"
import { Context, Schedule } from "effect"
import type { AuthenticationError, AzureStorageError, ConfigurationError, LocalStorageError } from "../domain/Errors.js"
import type { FileFacts } from "../platform/Files.js"

/** A file in the lake, as a listing shows it. */
export interface LakeEntry {
  readonly path: string
  readonly sizeBytes: number
}

/** A file in the lake with its SHA-256, as `put` stored it; none for a file another tool wrote. */
export interface LakeObject extends LakeEntry {
  readonly sha256: Option.Option<string>
}

export type LakeError = ConfigurationError | AuthenticationError | LocalStorageError | AzureStorageError

/**
 * The data lake: a local directory (the embedded default) or ADLS Gen2. Every path is a relative
 * lake path (`reverse_etl/raw_events/week_start=…/events.parquet`); a path that could leave the
 * lake (`..`, absolute, control characters) is refused with a `ConfigurationError`.
 */
export class Lake extends Context.Tag("retl/Lake")<
  Lake,
  {
    /** Where the lake is, for log lines: `adls://account/container`, `file:///dir`, `memory:`. */
    readonly location: string
    /**
     * Puts a local file at `lakePath`, verified: the stored size and SHA-256 are read back and
     * must match the local file's. Idempotent: an object already holding the same bytes is left
     * alone. A failed put leaves nothing under `lakePath` (the previous object, if any, stays).
     */
    readonly put: (localFile: string, lakePath: string) => Effect.Effect<FileFacts, LakeError>
    readonly exists: (lakePath: string) => Effect.Effect<boolean, LakeError>
    readonly stat: (lakePath: string) => Effect.Effect<Option.Option<LakeObject>, LakeError>
    /**
     * Streams the object at `lakePath` to `localFile` (atomically: the file appears whole or not at
     * all) and checks its size and SHA-256 against the stored ones. The facts are the local file's.
     * A missing object fails with `details.reason` "NotFound".
     */
    readonly get: (lakePath: string, localFile: string) => Effect.Effect<FileFacts, LakeError>
    /** Removes the file at `lakePath`; nothing happens when there is none. */
    readonly remove: (lakePath: string) => Effect.Effect<void, LakeError>
    /** Every file under the directory `prefix` ("" for the whole lake), recursively, sorted by path. */
    readonly list: (prefix: string) => Effect.Effect<ReadonlyArray<LakeEntry>, LakeError>
  }
>() {}

/** Transient: the storage service was busy or unreachable. Auth and client errors are not retried. */
export const isTransientLakeError = (error: LakeError): boolean =>
  error._tag === "AzureStorageError" && error.details.transient === true

/** 1 s, 2 s, 4 s, 8 s (capped at 30 s): 5 attempts in all, transient failures only. */
export const lakeRetry: Schedule.Schedule<unknown, LakeError> = Schedule.exponential("1 second").pipe(
  Schedule.union(Schedule.spaced("30 seconds")),
  Schedule.intersect(Schedule.recurs(4)),
  Schedule.whileInput(isTransientLakeError),
)
