import { FileSystem } from "@effect/platform"
import { Effect, Stream } from "effect"
import { EVENTS_SCHEMA, REJECTS_SCHEMA } from "../../codecs/parquet/ParquetSchemas.js"
import { openParquetSink, type ParquetSink } from "../../codecs/parquet/ParquetSink.js"
import { rejectColumnData } from "../../codecs/parquet/RejectColumns.js"
import { encodeRowGroup } from "../../codecs/parquet/RowGroups.js"
import { type DataQualityError, LocalStorageError } from "../../domain/Errors.js"
import type { BatchStamp, RejectRow } from "../../domain/OutputRows.js"
import { failedChecksError, type QualityCheck, qualityChecks } from "../../domain/QualityChecks.js"
import type { WeekPaths } from "../../domain/WeekPaths.js"
import { atomicWrite, type FileFacts, localStorageError } from "../../platform/Files.js"
import { AppConfig } from "../../services/AppConfig.js"
import { operation } from "../../services/Operation.js"
import type { BatchResult } from "../transform/Batch.js"
import { batchRunner } from "../transform/BatchRunner.js"
import { BufferPool, lineRanges } from "../transform/LineBatches.js"
import { type RejectReason, WeekTally } from "../transform/WeekTally.js"

export interface TransformOptions {
  /** Validate and report, write nothing. */
  readonly dryRun: boolean
  /** The run's one `ingested_at` (and `rejected_at`), epoch microseconds. */
  readonly ingestedAtMicros: number
  /** Called after each row group, with the records read and rejected so far: for a progress display. */
  readonly onProgress?: (progress: { readonly rows: number; readonly rejected: number }) => void
}

export interface TransformResult {
  /** Records in `raw.ndjson`: always `rowsValid + rowsRejected`. */
  readonly rowsFetched: number
  readonly rowsValid: number
  readonly rowsRejected: number
  /** `null` on a dry run. */
  readonly events: FileFacts | null
  /** Written on every run that writes, with 0 rows when nothing was rejected; `null` on a dry run. */
  readonly rejects: FileFacts | null
  readonly checks: ReadonlyArray<QualityCheck>
  /** The most frequent reasons, most frequent first (a record with several reasons counts for each). */
  readonly topRejectReasons: ReadonlyArray<RejectReason>
}

interface Sinks {
  readonly events: ParquetSink
  readonly rejects: ParquetSink
}

interface ValidateSettings {
  readonly rowGroupSize: number
  readonly workers: number
  readonly onProgress: TransformOptions["onProgress"]
}

const TOP_REASONS = 5
const REJECT_GROUP_CHARS = 32 * 1024 * 1024

/**
 * Streams `raw.ndjson` through validation, one row group's worth of lines at a time on each
 * lane: valid rows go to `events.parquet` a row group at a time, in line order; rejects to
 * `rejects.parquet` in row groups of as many rows (or 32 MB of text). Memory stays flat.
 */
const validateWeek = (raw: string, stamp: BatchStamp, settings: ValidateSettings, sinks: Sinks | null) =>
  Effect.scoped(
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const open = fs.open(raw, { flag: "r" })
      const runner = yield* batchRunner(
        settings.workers,
        settings.rowGroupSize,
        stamp,
        sinks !== null,
        new BufferPool(),
        open,
      ).pipe(Effect.mapError(localStorageError("read", raw)))
      const tally = new WeekTally()
      let pendingRejects: Array<RejectRow> = []
      let pendingChars = 0
      // A row group of rejects holds up to a row group's rows, fewer when the records are long.
      const full = () => pendingRejects.length >= settings.rowGroupSize || pendingChars >= REJECT_GROUP_CHARS
      const flushRejects = (all: boolean) =>
        Effect.gen(function* () {
          while (sinks !== null && pendingRejects.length > 0 && (all || full())) {
            const rows = pendingRejects
            pendingRejects = []
            pendingChars = 0
            yield* sinks.rejects.append(encodeRowGroup(REJECTS_SCHEMA, rejectColumnData(rows)))
          }
        })
      const consume = (result: BatchResult) =>
        Effect.gen(function* () {
          tally.add(result)
          settings.onProgress?.({ rows: tally.fetched, rejected: tally.rejected })
          if (sinks === null) return
          if (result.events !== null) {
            yield* sinks.events.append(result.events)
            runner.recycle(result.events.bytes)
          }
          for (const reject of result.rejects) {
            pendingRejects.push(reject)
            pendingChars += reject.raw_event.length + reject.errors.length
            if (full()) yield* flushRejects(false)
          }
        })
      const file = yield* open.pipe(Effect.mapError(localStorageError("read", raw)))
      yield* lineRanges(file, settings.rowGroupSize).pipe(
        Stream.mapEffect(runner.run, { concurrency: runner.concurrency }),
        Stream.mapError(localStorageError("read", raw)),
        Stream.runForEach(consume),
      )
      yield* flushRejects(true)
      return tally
    }),
  )

/** Writes both files through temp files; rejects are renamed into place even if the checks then fail. */
const writeWeek = (
  paths: WeekPaths,
  stamp: BatchStamp,
  settings: ValidateSettings,
  judge: (tally: WeekTally) => Effect.Effect<ReadonlyArray<QualityCheck>, DataQualityError>,
) =>
  atomicWrite(paths.events, (eventsTemp) =>
    Effect.gen(function* () {
      const written = yield* atomicWrite(paths.rejects, (rejectsTemp) =>
        Effect.scoped(
          Effect.gen(function* () {
            const events = yield* openParquetSink(eventsTemp, EVENTS_SCHEMA, paths.events)
            const rejects = yield* openParquetSink(rejectsTemp, REJECTS_SCHEMA, paths.rejects)
            const tally = yield* validateWeek(paths.raw, stamp, settings, { events, rejects })
            return { tally, events: yield* events.finish, rejects: yield* rejects.finish }
          }),
        ),
      )
      return {
        tally: written.tally,
        checks: yield* judge(written.tally),
        events: { path: paths.events, sizeBytes: written.events.sizeBytes, sha256: written.events.sha256 },
        rejects: { path: paths.rejects, sizeBytes: written.rejects.sizeBytes, sha256: written.rejects.sha256 },
      }
    }),
  )

/**
 * The transform stage: validates the week's `raw.ndjson` into `events.parquet` and
 * `rejects.parquet`, then runs the dataset checks. A failed check fails the stage with
 * `DataQualityError` and leaves no `events.parquet` (the rejects stay, to see why). `dryRun`
 * validates and checks the same way and writes nothing.
 */
export const transform = (
  paths: WeekPaths,
  options: TransformOptions,
): Effect.Effect<TransformResult, LocalStorageError | DataQualityError, AppConfig | FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const { quality } = yield* AppConfig
    const fs = yield* FileSystem.FileSystem
    const present = yield* fs.exists(paths.raw).pipe(Effect.mapError(localStorageError("find", paths.raw)))
    if (!present) {
      return yield* new LocalStorageError({
        message: `no raw events to transform: ${paths.raw} does not exist (the extract stage writes it)`,
        details: { operation: "read", path: paths.raw, reason: "NotFound" },
      })
    }
    const stamp: BatchStamp = { week: paths.week, ingestedAtMicros: options.ingestedAtMicros }
    const settings = {
      rowGroupSize: quality.parquetRowGroupSize,
      workers: quality.transformWorkers,
      onProgress: options.onProgress,
    }
    const judge = (tally: WeekTally) =>
      Effect.gen(function* () {
        yield* Effect.logInfo("Schema validation complete").pipe(
          Effect.annotateLogs({
            valid_records: tally.valid,
            total_records: tally.fetched,
            rejected_records: tally.rejected,
          }),
        )
        const checks = qualityChecks(tally.counts, quality.minValidRows, paths.week)
        const failed = failedChecksError(checks, paths.week)
        if (failed !== undefined) return yield* failed
        yield* Effect.logInfo("Data quality checks passed").pipe(
          Effect.annotateLogs({ checks: checks.map((check) => check.name) }),
        )
        return checks
      })
    const outcome = options.dryRun
      ? yield* validateWeek(paths.raw, stamp, settings, null).pipe(
          Effect.flatMap((tally) =>
            Effect.map(judge(tally), (checks) => ({ tally, checks, events: null, rejects: null })),
          ),
        )
      : yield* writeWeek(paths, stamp, settings, judge)
    const { tally } = outcome
    return {
      rowsFetched: tally.fetched,
      rowsValid: tally.valid,
      rowsRejected: tally.rejected,
      events: outcome.events,
      rejects: outcome.rejects,
      checks: outcome.checks,
      topRejectReasons: tally.topReasons(TOP_REASONS),
    }
  }).pipe(operation("transform", { week_start: paths.week.start, week_end: paths.week.end, dry_run: options.dryRun }))
