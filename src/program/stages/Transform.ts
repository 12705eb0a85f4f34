import { FileSystem } from "@effect/platform"
import { Clock, Effect, Schema, Stream } from "effect"
import { EVENTS_SCHEMA, REJECTS_SCHEMA } from "../../codecs/parquet/ParquetSchemas.js"
import { openParquetSink, type ParquetSink } from "../../codecs/parquet/ParquetSink.js"
import { rejectColumnData } from "../../codecs/parquet/RejectColumns.js"
import { encodeRowGroup } from "../../codecs/parquet/RowGroups.js"
import { type DataQualityError, LocalStorageError } from "../../domain/Errors.js"
import { FileFacts } from "../../domain/FileFacts.js"
import type { BatchStamp, RejectRow } from "../../domain/OutputRows.js"
import { failedChecksError, type QualityCheck, qualityChecks } from "../../domain/QualityChecks.js"
import type { StageName } from "../../domain/RunStatus.js"
import type { WeekPaths } from "../../domain/WeekPaths.js"
import { atomicWrite, localStorageError } from "../../platform/Files.js"
import { AppConfig } from "../../services/AppConfig.js"
import type { RunContext } from "../pipeline/RunContext.js"
import { perSecond, withProgress } from "../pipeline/StageProgress.js"
import { makeLocal, type WeekFile } from "../pipeline/WeekFiles.js"
import type { BatchResult } from "../transform/Batch.js"
import { batchRunner } from "../transform/BatchRunner.js"
import { BufferPool, lineRanges } from "../transform/LineBatches.js"
import { WeekTally } from "../transform/WeekTally.js"
import type * as Extract from "./Extract.js"

export const name = "transform" satisfies StageName

/** What the stage hands on: the week's counts, its reasons for rejects, and the two Parquet files. */
export const Output = Schema.Struct({
  /** Records in `raw.ndjson`: always `rowsValid + rowsRejected`. */
  rowsFetched: Schema.Number,
  rowsValid: Schema.Number,
  rowsRejected: Schema.Number,
  events: FileFacts,
  /** Written on every run, with 0 rows when nothing was rejected. */
  rejects: FileFacts,
  /** The most frequent reasons, most frequent first (a record with several reasons counts for each). */
  topRejectReasons: Schema.Array(Schema.Struct({ reason: Schema.String, count: Schema.Number })),
})
export type Output = typeof Output.Type

/** What validation found, without the files: all a dry run has to show. */
export type Validation = Omit<Output, "events" | "rejects">

export const writes: ReadonlyArray<WeekFile> = ["events", "rejects"]

export const rowCounts = (output: Output) => [output.rowsFetched, output.rowsValid] as const

export interface TransformOptions {
  /** The run's one `ingested_at` (and `rejected_at`), epoch microseconds. */
  readonly ingestedAtMicros: number
  /** Called after each row group, with the records read and rejected so far: for a progress display. */
  readonly onProgress?: (progress: { readonly rows: number; readonly rejected: number }) => void
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
        raw,
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

/** The week's counts and reasons, as a tally adds them up. */
const validationOf = (tally: WeekTally): Validation => ({
  rowsFetched: tally.fetched,
  rowsValid: tally.valid,
  rowsRejected: tally.rejected,
  topRejectReasons: tally.topReasons(TOP_REASONS),
})

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
      yield* judge(written.tally)
      return {
        ...validationOf(written.tally),
        events: { path: paths.events, sizeBytes: written.events.sizeBytes, sha256: written.events.sha256 },
        rejects: { path: paths.rejects, sizeBytes: written.rejects.sizeBytes, sha256: written.rejects.sha256 },
      } satisfies Output
    }),
  )

/** What validating the week needs: `raw.ndjson` there, the run's stamp, the settings and the dataset checks. */
const prepare = (paths: WeekPaths, options: TransformOptions) =>
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
    const settings: ValidateSettings = {
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
    return { stamp, settings, judge }
  })

type TransformError = LocalStorageError | DataQualityError

const weekAnnotations = (paths: WeekPaths, dryRun: boolean) => ({
  week_start: paths.week.start,
  week_end: paths.week.end,
  dry_run: dryRun,
})

/**
 * Validates the week's `raw.ndjson` into `events.parquet` and `rejects.parquet`, then runs the
 * dataset checks. A failed check fails the stage with `DataQualityError` and leaves no
 * `events.parquet` (the rejects stay, to see why).
 */
export const transform = (
  paths: WeekPaths,
  options: TransformOptions,
): Effect.Effect<Output, TransformError, AppConfig | FileSystem.FileSystem> =>
  Effect.flatMap(prepare(paths, options), ({ stamp, settings, judge }) =>
    writeWeek(paths, stamp, settings, judge),
  ).pipe(Effect.annotateLogs(weekAnnotations(paths, false)))

/** A dry run's transform: validates and checks the week the same way, and writes nothing. */
export const validate = (
  paths: WeekPaths,
  options: TransformOptions,
): Effect.Effect<Validation, TransformError, AppConfig | FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const { stamp, settings, judge } = yield* prepare(paths, options)
    const tally = yield* validateWeek(paths.raw, stamp, settings, null)
    yield* judge(tally)
    return validationOf(tally)
  }).pipe(Effect.annotateLogs(weekAnnotations(paths, true)))

/** The stage in a run: the raw file the extract handed over, validated into the week's Parquet files. */
export const run = (ctx: RunContext, input: Extract.Output) =>
  Effect.gen(function* () {
    yield* makeLocal(ctx, "raw", input.raw)
    const ingestedAtMicros = (yield* Clock.currentTimeMillis) * 1000
    const seen = { rows: 0, rejected: 0 }
    const progress = (s: number) =>
      `${seen.rows.toLocaleString("en-US")} records, ${seen.rejected} rejected (${perSecond(seen.rows, s)})`
    return yield* transform(ctx.paths, { ingestedAtMicros, onProgress: (p) => Object.assign(seen, p) }).pipe(
      withProgress(name, progress),
    )
  })
