import type { SchemaElement } from "hyparquet"
import { EVENT_COLUMNS, REJECT_COLUMNS } from "../../domain/OutputRows.js"

/** UTF-8 text, null where absent. */
const text = (name: string): SchemaElement => ({
  name,
  type: "BYTE_ARRAY",
  converted_type: "UTF8",
  logical_type: { type: "STRING" },
  repetition_type: "OPTIONAL",
})

/**
 * Epoch microseconds, adjusted to UTC: readers show `TIMESTAMP WITH TIME ZONE`. hyparquet-writer's
 * plain `TIMESTAMP` type would be milliseconds and zone-less, hence the explicit element.
 */
const utcMicros = (name: string): SchemaElement => ({
  name,
  type: "INT64",
  converted_type: "TIMESTAMP_MICROS",
  logical_type: { type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MICROS" },
  repetition_type: "OPTIONAL",
})

const double = (name: string): SchemaElement => ({ name, type: "DOUBLE", repetition_type: "OPTIONAL" })

const integer = (name: string, type: "INT32" | "INT64"): SchemaElement => ({
  name,
  type,
  repetition_type: "OPTIONAL",
})

const root = (columns: ReadonlyArray<SchemaElement>): Array<SchemaElement> => [
  { name: "schema", num_children: columns.length },
  ...columns,
]

const EVENT_ELEMENTS: Record<(typeof EVENT_COLUMNS)[number], SchemaElement> = {
  event_time: utcMicros("event_time"),
  event_type: text("event_type"),
  product_id: text("product_id"),
  category_id: text("category_id"),
  category_code: text("category_code"),
  brand: text("brand"),
  price: double("price"),
  user_id: text("user_id"),
  user_session: text("user_session"),
  batch_week_start: text("batch_week_start"),
  batch_week_end: text("batch_week_end"),
  ingested_at: utcMicros("ingested_at"),
}

const REJECT_ELEMENTS: Record<(typeof REJECT_COLUMNS)[number], SchemaElement> = {
  row_index: integer("row_index", "INT64"),
  error_count: integer("error_count", "INT32"),
  errors: text("errors"),
  raw_event: text("raw_event"),
  rejected_at: utcMicros("rejected_at"),
  batch_week_start: text("batch_week_start"),
  batch_week_end: text("batch_week_end"),
}

/** `events.parquet`: the twelve columns of the seed, in its order. */
export const EVENTS_SCHEMA = root(EVENT_COLUMNS.map((name) => EVENT_ELEMENTS[name]))

/** `rejects.parquet`: each bad record with its reasons and its text as received. */
export const REJECTS_SCHEMA = root(REJECT_COLUMNS.map((name) => REJECT_ELEMENTS[name]))
