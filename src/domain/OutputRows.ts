import type { EventRecord, FieldError } from "./EventRecord.js"
import type { Week } from "./Week.js"

/** The twelve columns of `events.parquet`, in the order the seed wrote them. */
export const EVENT_COLUMNS = [
  "event_time",
  "event_type",
  "product_id",
  "category_id",
  "category_code",
  "brand",
  "price",
  "user_id",
  "user_session",
  "batch_week_start",
  "batch_week_end",
  "ingested_at",
] as const

/** A valid event as written to `events.parquet`; times are epoch microseconds, UTC. */
export interface EventRow extends EventRecord {
  readonly batch_week_start: string
  readonly batch_week_end: string
  readonly ingested_at: number
}

/** The columns of `rejects.parquet`, in order. */
export const REJECT_COLUMNS = [
  "row_index",
  "error_count",
  "errors",
  "raw_event",
  "rejected_at",
  "batch_week_start",
  "batch_week_end",
] as const

/**
 * A record that failed validation, kept with every reason and the record exactly as received.
 * `row_index` is the record's 0-based position in the week's fetched order (its line in
 * `raw.ndjson`).
 */
export interface RejectRow {
  readonly row_index: number
  readonly error_count: number
  /** JSON text: `[{"path":"price","message":"price must be >= 0, got -1"}, ...]`. */
  readonly errors: string
  /** The record's JSON text as the API sent it. */
  readonly raw_event: string
  readonly rejected_at: number
  readonly batch_week_start: string
  readonly batch_week_end: string
}

/** Everything a row gets from the run it belongs to rather than from its record. */
export interface BatchStamp {
  readonly week: Week
  /** One timestamp for the whole run, epoch microseconds. */
  readonly ingestedAtMicros: number
}

export const toRejectRow = (
  rowIndex: number,
  rawEvent: string,
  errors: ReadonlyArray<FieldError>,
  stamp: BatchStamp,
): RejectRow => ({
  row_index: rowIndex,
  error_count: errors.length,
  errors: JSON.stringify(errors),
  raw_event: rawEvent,
  rejected_at: stamp.ingestedAtMicros,
  batch_week_start: stamp.week.start,
  batch_week_end: stamp.week.end,
})
