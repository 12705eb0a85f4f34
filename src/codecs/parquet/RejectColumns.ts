import type { ColumnSource } from "hyparquet-writer"
import type { RejectRow } from "../../domain/OutputRows.js"

/** A row group of rejects as hyparquet-writer takes it, in `REJECTS_SCHEMA`'s order. */
export const rejectColumnData = (rows: ReadonlyArray<RejectRow>): Array<ColumnSource> => [
  { name: "row_index", data: rows.map((row) => BigInt(row.row_index)) },
  { name: "error_count", data: rows.map((row) => row.error_count) },
  { name: "errors", data: rows.map((row) => row.errors) },
  { name: "raw_event", data: rows.map((row) => row.raw_event) },
  { name: "rejected_at", data: rows.map((row) => row.rejected_at) },
  { name: "batch_week_start", data: rows.map((row) => row.batch_week_start) },
  { name: "batch_week_end", data: rows.map((row) => row.batch_week_end) },
]
