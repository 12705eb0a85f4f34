import type { SqlClient } from "@effect/sql"
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
  /** Text for an `NVARCHAR(MAX)` column: declared `nvarchar(max)`, so it is sent whole, however long. */
  readonly longText: (value: string | null) => unknown
  readonly float: (value: number | null) => unknown
  /** A 32-bit integer: an `INT` column, or where SQL Server insists on one (TOP, FETCH). */
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

const sqliteBinds: Binds = {
  text: (value) => value,
  longText: (value) => value,
  float: (value) => value,
  int: (value) => value,
  count: (value) => value,
  date: (value) => value,
  micros: (value) => value,
  instant: (value) => (value === null ? null : value.toISOString()),
}

/**
 * The binds of the dialect. SQL Server's come from a module of their own, loaded only when the
 * warehouse is SQL Server: tedious adds a fifth of a second to every start of the CLI.
 */
export const bindsFor = (dialect: Dialect): Effect.Effect<Binds> =>
  dialect === "mssql"
    ? Effect.promise(() => import("./WarehouseSqlMssqlBinds.js")).pipe(Effect.map((module) => module.mssqlBinds))
    : Effect.succeed(sqliteBinds)

/** Text parameters are declared `nvarchar(4000)`; longer error messages are clipped to it. */
export const TEXT_LENGTH = 4000

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
