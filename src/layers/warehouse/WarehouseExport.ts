import { Chunk, Effect, Option, Stream } from "effect"
import type { CustomerWeeklyMetrics } from "../../domain/CustomerMetrics.js"
import { WarehouseError } from "../../domain/Errors.js"
import type { Week } from "../../domain/Week.js"
import { warehouseRetry } from "../../services/Warehouse.js"
import type { SqlContext } from "./WarehouseSqlContext.js"
import { mapSqlErrors } from "./WarehouseSqlErrors.js"
import { isoDateOf } from "./WarehouseSqlTypes.js"

const COUNT_COLUMNS = [
  "event_count",
  "view_count",
  "cart_count",
  "remove_from_cart_count",
  "purchase_count",
  "session_count",
  "product_count",
] as const

export const VIEW_COLUMNS = [
  "external_signal_id",
  "user_id",
  "week_start",
  "week_end",
  ...COUNT_COLUMNS,
  "purchase_revenue",
  "first_event_at",
  "last_event_at",
] as const

type Row = Readonly<Record<string, unknown>>

const badColumn = (week: Week, column: string, value: unknown) =>
  new WarehouseError({
    message: `the export view answered ${column} = ${JSON.stringify(value) ?? String(value)} for week ${week}, not the expected type`,
    details: { operation: "exportRows", week: week.toString(), column },
  })

const numberOf = (value: unknown): number | undefined =>
  typeof value === "number" ? value : typeof value === "bigint" ? Number(value) : undefined

class BadColumn {
  constructor(
    readonly column: string,
    readonly value: unknown,
  ) {}
}

const text = (row: Row, column: string): string => {
  const value = column === "week_start" || column === "week_end" ? isoDateOf(row[column]) : row[column]
  if (typeof value !== "string") throw new BadColumn(column, row[column])
  return value
}

const nullableText = (row: Row, column: string): string | null =>
  row[column] === null || row[column] === undefined ? null : text(row, column)

const number = (row: Row, column: string): number => {
  const value = numberOf(row[column])
  if (value === undefined) throw new BadColumn(column, row[column])
  return value
}

/**
 * One view row as the sync receives it; SQL Server's `date` columns arrive as Dates, SQLite's as
 * text. Plain code rather than an Effect per column: it runs for every customer of the week.
 */
const toMetrics = (row: Row): CustomerWeeklyMetrics => ({
  external_signal_id: text(row, "external_signal_id"),
  user_id: text(row, "user_id"),
  week_start: text(row, "week_start"),
  week_end: text(row, "week_end"),
  event_count: number(row, "event_count"),
  view_count: number(row, "view_count"),
  cart_count: number(row, "cart_count"),
  remove_from_cart_count: number(row, "remove_from_cart_count"),
  purchase_count: number(row, "purchase_count"),
  purchase_revenue: number(row, "purchase_revenue"),
  session_count: number(row, "session_count"),
  product_count: number(row, "product_count"),
  first_event_at: nullableText(row, "first_event_at"),
  last_event_at: nullableText(row, "last_event_at"),
})

const decodePage = (
  week: Week,
  rows: ReadonlyArray<Row>,
): Effect.Effect<Array<CustomerWeeklyMetrics>, WarehouseError> => {
  try {
    return Effect.succeed(rows.map(toMetrics))
  } catch (error) {
    if (error instanceof BadColumn) return Effect.fail(badColumn(week, error.column, error.value))
    throw error
  }
}

/**
 * `exportRows`, in pages of `pageSize`, never the whole week in memory.
 *
 * SQL Server reads the view by keyset (`user_id > last`): the clustered (week, user_id) index lets
 * its ordered aggregate stop after one page. SQLite cannot stop early on an aggregate view (each
 * page would re-aggregate the rest of the week), so it aggregates the week once into a temporary
 * table of the connection and pages that by rowid; the table is dropped when the stream ends,
 * however it ends, and vanishes with the connection after a crash.
 */
export const makeExportRows = (ctx: SqlContext, pageSize: number) => {
  const { sql, binds } = ctx
  const view = ctx.table("vw_salesforce_customer_weekly_export")
  const columns = sql.literal(VIEW_COLUMNS.join(", "))

  const page = <S>(week: Week, rows: Effect.Effect<ReadonlyArray<Row>, WarehouseError>, next: (last: Row) => S) =>
    rows.pipe(
      Effect.retry(warehouseRetry),
      Effect.flatMap((rows) =>
        Effect.map(decodePage(week, rows), (metrics) => {
          const last = rows[rows.length - 1]
          const more = rows.length === pageSize && last !== undefined
          return [Chunk.unsafeFromArray(metrics), more ? Option.some(next(last)) : Option.none()] as const
        }),
      ),
    )

  const keyset = (week: Week) =>
    Stream.paginateChunkEffect(Option.none<string>(), (after) =>
      page(
        week,
        sql<Row>`SELECT TOP (${binds.int(pageSize)}) ${columns} FROM ${view}
WHERE week_start = ${binds.date(week.start)} AND week_end = ${binds.date(week.end)}${
          Option.isSome(after) ? sql` AND user_id > ${binds.text(after.value)}` : sql.literal("")
        }
ORDER BY user_id`.pipe(mapSqlErrors("exportRows", { week: week.toString() })),
        (last) => Option.some(String(last.user_id)),
      ),
    )

  const snapshot = (week: Week) =>
    Stream.acquireRelease(
      Effect.gen(function* () {
        const name = sql(`retl_export_${crypto.randomUUID().replaceAll("-", "")}`)
        yield* sql`CREATE TEMP TABLE ${name} AS SELECT ${columns} FROM ${view}
WHERE week_start = ${binds.date(week.start)} AND week_end = ${binds.date(week.end)} ORDER BY user_id`
        return name
      }).pipe(mapSqlErrors("exportRows", { week: week.toString() }), Effect.retry(warehouseRetry)),
      (name) => sql`DROP TABLE IF EXISTS temp.${name}`.pipe(Effect.ignore),
    ).pipe(
      Stream.flatMap((name) =>
        Stream.paginateChunkEffect(0, (after) =>
          page(
            week,
            sql<Row>`SELECT rowid AS export_row, ${columns} FROM temp.${name}
WHERE rowid > ${after} ORDER BY rowid LIMIT ${pageSize}`.pipe(mapSqlErrors("exportRows", { week: week.toString() })),
            (last) => Number(last.export_row),
          ),
        ),
      ),
    )

  return (week: Week): Stream.Stream<CustomerWeeklyMetrics, WarehouseError> =>
    (ctx.dialect === "mssql" ? keyset(week) : snapshot(week)).pipe(
      Stream.withSpan("Warehouse.exportRows", { attributes: { week: week.toString() } }),
    )
}
