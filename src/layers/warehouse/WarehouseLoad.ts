import type { SqlError } from "@effect/sql/SqlError"
import { type Chunk, Effect, Stream } from "effect"
import { WarehouseError } from "../../domain/Errors.js"
import { EVENT_COLUMNS, type EventRow } from "../../domain/OutputRows.js"
import type { Week } from "../../domain/Week.js"
import { isTransientWarehouseError, warehouseRetry } from "../../services/Warehouse.js"
import type { SqlContext } from "./WarehouseSqlContext.js"
import { mapSqlErrors } from "./WarehouseSqlErrors.js"
import type { Binds } from "./WarehouseSqlTypes.js"

/**
 * Parameters one statement may carry. SQL Server allows 2,100 per request (its procedure-call
 * limit, which sp_executesql's own two count against); SQLite 32,766 since 3.32.
 */
export const PARAMETER_BUDGET = { mssql: 2000, sqlite: 32_766 } as const

/** Rows per INSERT: as many as the budget allows, at most 1,000 (SQL Server's VALUES limit). */
export const insertBatchRows = (budget: number): number => Math.min(1000, Math.floor(budget / EVENT_COLUMNS.length))

/**
 * Writes the row's values, in EVENT_COLUMNS order, into `out` from `at` (a preallocated batch).
 * Every row of a load is of the load's week, so its two dates are bound once, in `weekBinds`.
 */
const putRow = (
  binds: Binds,
  weekBinds: readonly [unknown, unknown],
  row: EventRow,
  out: Array<unknown>,
  at: number,
): void => {
  out[at] = binds.micros(row.event_time)
  out[at + 1] = binds.text(row.event_type)
  out[at + 2] = binds.text(row.product_id)
  out[at + 3] = binds.text(row.category_id)
  out[at + 4] = binds.text(row.category_code)
  out[at + 5] = binds.text(row.brand)
  out[at + 6] = binds.float(row.price)
  out[at + 7] = binds.text(row.user_id)
  out[at + 8] = binds.text(row.user_session)
  out[at + 9] = weekBinds[0]
  out[at + 10] = weekBinds[1]
  out[at + 11] = binds.micros(row.ingested_at)
}

const NULL_ROW = Object.fromEntries(EVENT_COLUMNS.map((column) => [column, null]))

const wrongWeek = (week: Week, row: EventRow, index: number) =>
  new WarehouseError({
    message: `row ${index} belongs to week ${row.batch_week_start}..${row.batch_week_end}, not ${week}: refusing to load it`,
    details: { operation: "loadWeek", week: week.toString(), row_index: index },
  })

/**
 * `loadWeek`: the week's rows deleted and the new ones inserted in one transaction, in multi-row
 * INSERTs. The statement text for a batch size is rendered once by the client's own compiler (so
 * its placeholders are the dialect's) and reused, so SQLite's prepared-statement cache hits and
 * each batch costs one bind-and-step.
 */
export const makeLoadWeek = (ctx: SqlContext, batchRows: number) => {
  const { sql, binds } = ctx
  const events = ctx.table("ecom_events")
  const texts = new Map<number, string>()
  const insertText = (rows: number): string => {
    let text = texts.get(rows)
    if (text === undefined) {
      const placeholderRows = Array.from({ length: rows }, () => NULL_ROW)
      text = sql`INSERT INTO ${events} ${sql.insert(placeholderRows)}`.compile()[0]
      texts.set(rows, text)
    }
    return text
  }

  return <E>(week: Week, rows: Stream.Stream<EventRow, E>): Effect.Effect<number, WarehouseError | E> => {
    let loaded = 0
    const weekBinds = [binds.date(week.start), binds.date(week.end)] as const
    const insertBatch = (chunk: Chunk.Chunk<EventRow>): Effect.Effect<unknown, WarehouseError | SqlError> => {
      const params = new Array<unknown>(chunk.length * EVENT_COLUMNS.length)
      let at = 0
      for (const row of chunk) {
        if (row.batch_week_start !== week.start || row.batch_week_end !== week.end) {
          return Effect.fail(wrongWeek(week, row, loaded))
        }
        putRow(binds, weekBinds, row, params, at)
        at += EVENT_COLUMNS.length
        loaded++
      }
      return sql.unsafe(insertText(chunk.length), params)
    }
    // Made per call: an `Effect.fn` defined once would lose the stream's error type `E`.
    const load = Effect.fn("Warehouse.loadWeek")(() =>
      Effect.zipRight(
        Effect.annotateCurrentSpan("week", week.toString()),
        sql.withTransaction(
          Effect.gen(function* () {
            loaded = 0
            yield* sql`DELETE FROM ${events} WHERE batch_week_start = ${binds.date(week.start)}`
            yield* rows.pipe(Stream.rechunk(batchRows), Stream.runForEachChunk(insertBatch))
            return loaded
          }),
        ),
      ).pipe(
        mapSqlErrors("loadWeek", { week: week.toString() }),
        // The transaction rolled back and the rows stream can be read again: the whole load is redone.
        Effect.tapError((error) =>
          isTransientWarehouseError(error)
            ? Effect.logWarning("warehouse load failed, will retry if attempts remain").pipe(
                Effect.annotateLogs({ error_message: error.message }),
              )
            : Effect.void,
        ),
        Effect.retry(warehouseRetry),
      ),
    )
    return load()
  }
}
