import { isoDateOf } from "./WarehouseSqlTypes.js"

/**
 * Column values as the two drivers answer them, for the read-only queries: tedious answers
 * `date` and `datetime2` columns as Dates and `bigint` as text; SQLite answers text and numbers.
 */
export type Row = Readonly<Record<string, unknown>>

export const textOrNull = (value: unknown): string | null =>
  value === null || value === undefined ? null : String(value)

export const countOrNull = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value)

export const dateOrNull = (value: unknown): string | null =>
  value === null || value === undefined ? null : (isoDateOf(value) ?? String(value))

/**
 * A moment from any of our columns: a Date (SQL Server), ISO-8601 with its zone (the audit
 * trail's text on SQLite), or `YYYY-MM-DD HH:MM:SS.mmm` in UTC (the Salesforce ledger's text on
 * SQLite, which has no zone and must not be read as local time).
 */
export const instantOrNull = (value: unknown): Date | null => {
  if (value === null || value === undefined) return null
  if (value instanceof Date) return value
  const text = String(value)
  const zoned = /[zZ]|[+-]\d{2}:?\d{2}$/.test(text) ? text : `${text.replace(" ", "T")}Z`
  const date = new Date(zoned)
  return Number.isNaN(date.getTime()) ? null : date
}

/** A moment of a NOT NULL column; the epoch when a driver answered something unreadable. */
export const instant = (value: unknown): Date => instantOrNull(value) ?? new Date(0)
