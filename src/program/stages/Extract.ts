import { createHash } from "node:crypto"
import { FileSystem } from "@effect/platform"
import { Clock, Effect, Either, Option, Stream } from "effect"
import type { ApiError, AuthenticationError, LocalStorageError } from "../../domain/Errors.js"
import type { WeekPaths } from "../../domain/WeekPaths.js"
import { atomicWrite, type FileFacts, localStorageError } from "../../platform/Files.js"
import { AppConfig } from "../../services/AppConfig.js"
import { EventsApi, type EventsPage } from "../../services/EventsApi.js"
import { operation } from "../../services/Operation.js"

/** What the extract stage produced: `raw.ndjson` and how it came to be. */
export interface ExtractResult extends FileFacts {
  readonly rowsFetched: number
  /** Pages that counted, the one that ended the week included (an empty last page too). */
  readonly pages: number
  readonly durationMs: number
}

/** Where the stage is, after each page written. */
export interface ExtractProgress {
  readonly pages: number
  readonly rows: number
  readonly bytes: number
}

export interface ExtractOptions {
  /** Called after each page is written, in page order: for a progress display. */
  readonly onProgress?: (progress: ExtractProgress) => void
}

/**
 * Pulls the week from the events API into `raw.ndjson`, one record a line, exactly as the API
 * sent it. Page 1 comes first (it fails fast on a bad key and may carry the total); then up to
 * API_CONCURRENCY pages are in flight while the file is written strictly in page order. The week
 * ends when the total is reached or, when the API gives none, at a partial page; at an empty page
 * either way. Pages asked for past the end are discarded, answered or not. Memory holds a few pages at most, whatever the week's
 * size; the file appears under its name only when complete.
 */
export const extract = (
  paths: WeekPaths,
  options: ExtractOptions = {},
): Effect.Effect<
  ExtractResult,
  ApiError | AuthenticationError | LocalStorageError,
  EventsApi | AppConfig | FileSystem.FileSystem
> =>
  Effect.gen(function* () {
    const api = yield* EventsApi
    const { concurrency } = (yield* AppConfig).api
    const week = paths.week
    const startedAt = yield* Clock.currentTimeMillis

    const written = yield* atomicWrite(paths.raw, (temp) =>
      Effect.scoped(
        Effect.gen(function* () {
          const fs = yield* FileSystem.FileSystem
          const file = yield* fs.open(temp, { flag: "w" }).pipe(Effect.mapError(localStorageError("open", temp)))
          const hash = createHash("sha256")
          const progress = { pages: 0, rows: 0, bytes: 0 }
          let total = Option.none<number>()

          /** Writes a page and answers whether it was the last one. */
          const write = (page: EventsPage) =>
            Effect.gen(function* () {
              // An empty page writes nothing: FileSystem's writeAll takes a zero-byte write for a full disk.
              if (page.ndjson.length > 0) {
                yield* file.writeAll(page.ndjson).pipe(Effect.mapError(localStorageError("write", paths.raw)))
              }
              hash.update(page.ndjson)
              progress.pages += 1
              progress.rows += page.records
              progress.bytes += page.ndjson.length
              total = Option.orElse(page.total, () => total)
              options.onProgress?.({ ...progress })
              yield* Effect.logDebug("Fetched page").pipe(
                Effect.annotateLogs({ page: page.page, records: page.records, rows: progress.rows }),
              )
              // With a total, a short page is not the end: the API may serve fewer records a page
              // than asked for. Without one, it is the only sign of the end there is.
              return Option.match(total, {
                onNone: () => page.records < api.pageSize,
                onSome: (t) => page.records === 0 || progress.rows >= t,
              })
            })

          const first = yield* api.page(week, 1)
          if (!(yield* write(first))) {
            // Page 1 shows how many records the API really serves a page.
            const lastPage = Option.match(total, {
              onNone: () => Number.POSITIVE_INFINITY,
              onSome: (t) => Math.ceil(t / first.records),
            })
            yield* Stream.iterate(2, (n) => n + 1).pipe(
              Stream.takeWhile((n) => n <= lastPage),
              // A failure stays a value until its turn comes: one on a page past the end is never seen.
              Stream.mapEffect((n) => Effect.either(api.page(week, n)), { concurrency }),
              Stream.mapEffect(
                (answer): Effect.Effect<boolean, ApiError | AuthenticationError | LocalStorageError> =>
                  Either.isLeft(answer) ? Effect.fail(answer.left) : write(answer.right),
              ),
              Stream.takeUntil((last) => last),
              Stream.runDrain,
            )
          }
          yield* file.sync.pipe(Effect.mapError(localStorageError("sync", paths.raw)))
          if (Option.exists(total, (t) => t !== progress.rows)) {
            yield* Effect.logWarning("The API's total does not match the records fetched").pipe(
              Effect.annotateLogs({ api_total: Option.getOrNull(total), total_rows: progress.rows }),
            )
          }
          return { ...progress, sha256: hash.digest("hex") }
        }),
      ),
    )

    const result: ExtractResult = {
      path: paths.raw,
      rowsFetched: written.rows,
      pages: written.pages,
      sizeBytes: written.bytes,
      sha256: written.sha256,
      durationMs: (yield* Clock.currentTimeMillis) - startedAt,
    }
    yield* Effect.logInfo("Fetched all events from API").pipe(
      Effect.annotateLogs({
        total_rows: result.rowsFetched,
        pages: result.pages,
        size_bytes: result.sizeBytes,
        sha256: result.sha256,
      }),
    )
    return result
  }).pipe(operation("extract", { week_start: paths.week.start, week_end: paths.week.end, path: paths.raw }))
