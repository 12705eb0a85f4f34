import type { SqlClient } from "@effect/sql"
import { Statement } from "@effect/sql"
import { MssqlTypes } from "@effect/sql-mssql"
import { Effect } from "effect"

export type Dialect = "sqlite" | "mssql"

export const dialectOf = (sql: SqlClient.SqlClient): Effect.Effect<Dialect> =>
  sql.onDialectOrElse({
    mssql: () => Effect.succeed("mssql" as const),
    sqlite: () => Effect.succeed("sqlite" as const),
    orElse: () => Effect.dieMessage("the warehouse runs on SQLite or SQL Server only"),
  })

/**
 * Values bound to a statement, typed for the column they go to. On SQL Server every value carries
 * its tedious type: left to the driver, a JS number becomes `int` (1100.28 → 1100), a string
 * `varchar` (not Unicode) and a Date the legacy `datetime` (3 ms steps), and a NULL becomes `bit`,
 * which SQL Server refuses for a date column. Text is always declared `nvarchar(4000)` so every
 * batch has the same parameter declarations and SQL Server reuses one plan. On SQLite values bind
 * as they are; times are epoch microseconds (events) or ISO-8601 text (audit columns).
 */
export interface Binds {
  readonly text: (value: string | null) => unknown
  readonly float: (value: number | null) => unknown
  /** A 32-bit integer where SQL Server insists on one (TOP, FETCH). */
  readonly int: (value: number) => unknown
  /** A row count: `bigint`. */
  readonly count: (value: number | null) => unknown
  /** A calendar date `YYYY-MM-DD`: `date`. */
  readonly date: (value: string) => unknown
  /** Epoch microseconds, UTC: `datetime2(6)`, exact to the microsecond. */
  readonly micros: (value: number) => unknown
  /** A moment with millisecond precision: `datetime2(3)`. */
  readonly instant: (value: Date | null) => unknown
}

/** The segment @effect/sql-mssql binds with the type it carries (what `MssqlClient.param` builds). */
const mssqlParam = (type: unknown, value: unknown, options: Record<string, unknown> = {}): unknown =>
  Statement.custom<Statement.Custom<"MssqlParam", unknown, unknown, unknown>>("MssqlParam")(type, value, options)
    .segments[0]

export const TEXT_LENGTH = 4000

/** tedious writes sub-millisecond precision from `nanosecondDelta`, in seconds, on the Date it binds. */
const microsToDate = (micros: number): Date => {
  const ms = Math.floor(micros / 1000)
  return Object.assign(new Date(ms), { nanosecondDelta: (micros - ms * 1000) / 1_000_000 })
}

const mssqlBinds: Binds = {
  text: (value) => mssqlParam(MssqlTypes.NVarChar, value, { length: TEXT_LENGTH }),
  float: (value) => mssqlParam(MssqlTypes.Float, value),
  int: (value) => mssqlParam(MssqlTypes.Int, value),
  count: (value) => mssqlParam(MssqlTypes.BigInt, value),
  date: (value) => mssqlParam(MssqlTypes.Date, new Date(`${value}T00:00:00.000Z`)),
  micros: (value) => mssqlParam(MssqlTypes.DateTime2, microsToDate(value), { scale: 6 }),
  instant: (value) => mssqlParam(MssqlTypes.DateTime2, value, { scale: 3 }),
}

const sqliteBinds: Binds = {
  text: (value) => value,
  float: (value) => value,
  int: (value) => value,
  count: (value) => value,
  date: (value) => value,
  micros: (value) => value,
  instant: (value) => (value === null ? null : value.toISOString()),
}

export const bindsFor = (dialect: Dialect): Binds => (dialect === "mssql" ? mssqlBinds : sqliteBinds)

/** Tables live in `dbo` on SQL Server; SQLite has a single schema. */
export const tableName = (dialect: Dialect, name: string): string => (dialect === "mssql" ? `dbo.${name}` : name)

/** A `YYYY-MM-DD` from a `date` column: tedious answers a Date at UTC midnight, SQLite the text. */
export const isoDateOf = (value: unknown): string | undefined =>
  typeof value === "string" ? value : value instanceof Date ? value.toISOString().slice(0, 10) : undefined

/** A moment from an audit column: tedious answers a Date, SQLite ISO-8601 text. */
export const instantOf = (value: unknown): Date | undefined => {
  const date = value instanceof Date ? value : typeof value === "string" ? new Date(value) : undefined
  return date === undefined || Number.isNaN(date.getTime()) ? undefined : date
}
