import { Effect, Stream } from "effect"
import type { FileMetaData } from "hyparquet"
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from "hyparquet"
import { LocalStorageError } from "../../domain/Errors.js"
import { EVENT_COLUMNS, type EventRow } from "../../domain/OutputRows.js"

const readError = (path: string, what: string) => (cause: unknown) =>
  new LocalStorageError({
    message: `could not read ${what} of ${path}: ${cause instanceof Error ? cause.message : String(cause)}`,
    details: { operation: "read parquet", path },
  })

const text = (value: unknown): string | null => (typeof value === "string" ? value : null)

const micros = (value: unknown): number => (typeof value === "bigint" ? Number(value) : Number.NaN)

/** A row as hyparquet reads it (timestamps left as bigint microseconds) made an `EventRow`. */
const toEventRow = (row: Record<string, unknown>): EventRow => ({
  event_time: micros(row.event_time),
  event_type: text(row.event_type) ?? "",
  product_id: text(row.product_id),
  category_id: text(row.category_id),
  category_code: text(row.category_code),
  brand: text(row.brand),
  price: typeof row.price === "number" ? row.price : null,
  user_id: text(row.user_id) ?? "",
  user_session: text(row.user_session),
  batch_week_start: text(row.batch_week_start) ?? "",
  batch_week_end: text(row.batch_week_end) ?? "",
  ingested_at: micros(row.ingested_at),
})

/** The file's columns must be `events.parquet`'s, in order, or nothing it holds can be trusted. */
const checkColumns = (path: string, metadata: FileMetaData): Effect.Effect<void, LocalStorageError> => {
  const columns = metadata.schema.slice(1).map((element) => element.name)
  return columns.join(",") === EVENT_COLUMNS.join(",")
    ? Effect.void
    : new LocalStorageError({
        message: `${path} is not an events file: its columns are ${columns.join(", ")}, expected ${EVENT_COLUMNS.join(", ")}`,
        details: { operation: "read parquet", path, columns },
      })
}

/**
 * The rows of an `events.parquet`, read back one row group at a time (only that row group's
 * column chunks are read), so a week streams into the warehouse in bounded memory.
 */
export const readEventRows = (path: string): Stream.Stream<EventRow, LocalStorageError> =>
  Stream.unwrap(
    Effect.gen(function* () {
      const file = yield* Effect.tryPromise({
        try: () => asyncBufferFromFile(path),
        catch: readError(path, "the size"),
      })
      const metadata = yield* Effect.tryPromise({
        try: () => parquetMetadataAsync(file),
        catch: readError(path, "the footer"),
      })
      yield* checkColumns(path, metadata)
      const groups: Array<{ readonly rowStart: number; readonly rowEnd: number }> = []
      let rowStart = 0
      for (const group of metadata.row_groups) {
        const rowEnd = rowStart + Number(group.num_rows)
        groups.push({ rowStart, rowEnd })
        rowStart = rowEnd
      }
      return Stream.fromIterable(groups).pipe(
        Stream.mapEffect((group) =>
          Effect.tryPromise({
            try: () =>
              parquetReadObjects({
                file,
                metadata,
                ...group,
                parsers: { timestampFromMicroseconds: (value: bigint) => value },
              }),
            catch: readError(path, `rows ${group.rowStart}..${group.rowEnd - 1}`),
          }),
        ),
        Stream.mapConcat((rows) => rows.map(toEventRow)),
      )
    }),
  )
