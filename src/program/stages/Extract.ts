import { createHash } from "node:crypto"
import { FileSystem } from "@effect/platform"
import { Effect, Either, Option, Schema, Stream } from "effect"
import {
  type ApiError,
  ApiResponseError,
  type AuthenticationError,
  type LocalStorageError,
} from "../../domain/Errors.js"
import { FileFacts } from "../../domain/FileFacts.js"
import type { StageName } from "../../domain/RunStatus.js"
import type { WeekPaths } from "../../domain/WeekPaths.js"
import { atomicWrite, localStorageError } from "../../platform/Files.js"
import { AppConfig } from "../../services/AppConfig.js"
import { EventsApi, type EventsPage } from "../../services/EventsApi.js"
import type { RunContext } from "../pipeline/RunContext.js"
import { perSecond, withProgress } from "../pipeline/StageProgress.js"
import type { WeekFile } from "../pipeline/WeekFiles.js"

export const name = "extract" satisfies StageName

/** What the stage hands on: `raw.ndjson` and how it came to be. */
export const Output = Schema.Struct({
  raw: FileFacts,
  rowsFetched: Schema.Number,
  /** Pages that counted, the one that ended the week included (an empty last page too). */
  pages: Schema.Number,
})
export type Output = typeof Output.Type

/** The files the stage writes for the next one. */
export const writes: ReadonlyArray<WeekFile> = ["raw"]

/** Rows in and out, for `pipeline_stage`. */
export const rowCounts = (output: Output) => [null, output.rowsFetched] as const

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

type ExtractError = ApiError | AuthenticationError | LocalStorageError

const sameRecords = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(a, b) === 0

/**
 * An API that ignores `page` answers every request with the same records: without this check the
 * extract would fill the worker's disk with copies of page 1 until Airflow's timeout.
 */
const repeatedPage = (previous: number, page: number) =>
  new ApiResponseError({
    message: `page ${page} holds exactly the records of page ${previous}: the API looks to ignore the page parameter, so the week would never end`,
    details: { previous_page: previous, page, reason: "RepeatedPage" },
  })

/** Past API_MAX_PAGES: an API that never ends a week (no short page, no total) stops here. */
const tooManyPages = (maxPages: number, why: string) =>
  new ApiResponseError({
    message: `the week needs more than API_MAX_PAGES=${maxPages} pages (${why}): raise API_MAX_PAGES if the week is really that big`,
    details: { setting: "API_MAX_PAGES", max_pages: maxPages, reason: "TooManyPages" },
  })

/** Writes pages to an open file in the order they are given, counting and hashing; knows when the week ends. */
const pageWriter = (file: FileSystem.File, paths: WeekPaths, pageSize: number, options: ExtractOptions) => {
  const hash = createHash("sha256")
  const progress = { pages: 0, rows: 0, bytes: 0 }
  let total = Option.none<number>()
  // Only the page before is compared: one page held, whatever the week's size.
  let previous: EventsPage | undefined
  /** Writes a page and answers whether it was the last one. */
  const write = (page: EventsPage) =>
    Effect.gen(function* () {
      if (previous !== undefined && page.records > 0 && sameRecords(previous.ndjson, page.ndjson)) {
        return yield* repeatedPage(previous.page, page.page)
      }
      previous = page
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
        onNone: () => page.records < pageSize,
        onSome: (t) => page.records === 0 || progress.rows >= t,
      })
    })
  return { write, progress, total: () => total, sha256: () => hash.digest("hex") }
}

/** Fetches the week's pages into `temp`, page 1 first, then up to API_CONCURRENCY pages in flight. */
const fetchInto = (temp: string, paths: WeekPaths, options: ExtractOptions) =>
  Effect.scoped(
    Effect.gen(function* () {
      const api = yield* EventsApi
      const { concurrency, maxPages } = (yield* AppConfig).api
      const fs = yield* FileSystem.FileSystem
      const file = yield* fs.open(temp, { flag: "w" }).pipe(Effect.mapError(localStorageError("open", temp)))
      const writer = pageWriter(file, paths, api.pageSize, options)
      const first = yield* api.page(paths.week, 1)
      if (!(yield* writer.write(first))) {
        // Page 1 shows how many records the API really serves a page.
        const needed = Option.map(writer.total(), (t) => Math.ceil(t / first.records))
        if (Option.exists(needed, (n) => n > maxPages)) {
          const why = `the API announces ${Option.getOrThrow(writer.total())} records, ${first.records} a page`
          return yield* tooManyPages(maxPages, why)
        }
        const lastPage = Option.getOrElse(needed, () => maxPages)
        let ended = false
        yield* Stream.iterate(2, (n) => n + 1).pipe(
          Stream.takeWhile((n) => n <= lastPage),
          // A failure stays a value until its turn comes: one on a page past the end is never seen.
          Stream.mapEffect((n) => Effect.either(api.page(paths.week, n)), { concurrency }),
          Stream.mapEffect(
            (answer): Effect.Effect<boolean, ExtractError> =>
              Either.isLeft(answer) ? Effect.fail(answer.left) : writer.write(answer.right),
          ),
          Stream.tap((last) =>
            Effect.sync(() => {
              ended = last
            }),
          ),
          Stream.takeUntil((last) => last),
          Stream.runDrain,
        )
        if (!ended && Option.isNone(needed)) {
          return yield* tooManyPages(maxPages, `page ${maxPages} was full and the API gives no total`)
        }
      }
      yield* file.sync.pipe(Effect.mapError(localStorageError("sync", paths.raw)))
      const { progress } = writer
      if (Option.exists(writer.total(), (t) => t !== progress.rows)) {
        yield* Effect.logWarning("The API's total does not match the records fetched").pipe(
          Effect.annotateLogs({ api_total: Option.getOrNull(writer.total()), total_rows: progress.rows }),
        )
      }
      return { ...progress, sha256: writer.sha256() }
    }),
  )

/**
 * Pulls the week from the events API into `raw.ndjson`, one record a line, exactly as the API
 * sent it. Page 1 comes first (it fails fast on a bad key and may carry the total); then up to
 * API_CONCURRENCY pages are in flight while the file is written strictly in page order. The week
 * ends when the total is reached or, when the API gives none, at a partial page; at an empty page
 * either way. Pages asked for past the end are discarded, answered or not. Memory holds a few
 * pages at most, whatever the week's size; the file appears under its name only when complete.
 */
export const extract = (
  paths: WeekPaths,
  options: ExtractOptions = {},
): Effect.Effect<Output, ExtractError, EventsApi | AppConfig | FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const written = yield* atomicWrite(paths.raw, (temp) => fetchInto(temp, paths, options))
    const output: Output = {
      raw: { path: paths.raw, sizeBytes: written.bytes, sha256: written.sha256 },
      rowsFetched: written.rows,
      pages: written.pages,
    }
    yield* Effect.logInfo("Fetched all events from API").pipe(
      Effect.annotateLogs({
        total_rows: output.rowsFetched,
        pages: output.pages,
        size_bytes: output.raw.sizeBytes,
        sha256: output.raw.sha256,
      }),
    )
    return output
  }).pipe(Effect.annotateLogs({ week_start: paths.week.start, week_end: paths.week.end, path: paths.raw }))

/** The stage in a run: the week's pages into `raw.ndjson`, with a progress line for a person. */
export const run = (ctx: RunContext) => {
  const seen = { pages: 0, rows: 0 }
  return extract(ctx.paths, {
    onProgress: (p) => {
      seen.pages = p.pages
      seen.rows = p.rows
    },
  }).pipe(withProgress(name, (s) => `${seen.pages} pages, ${seen.rows} records (${perSecond(seen.rows, s)})`))
}
