import type { Statement } from "@effect/sql"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { type Binds, bindsFor, type Dialect, dialectOf, tableName } from "./WarehouseSqlTypes.js"

/** What every part of the SQL warehouse works with: the client, its dialect and how to bind and name. */
export interface SqlContext {
  readonly sql: SqlClient.SqlClient
  readonly dialect: Dialect
  readonly binds: Binds
  /** A table or view, escaped for the dialect: `[dbo].[ecom_events]` or `"ecom_events"`. */
  readonly table: (name: string) => Statement.Identifier
}

export const makeSqlContext: Effect.Effect<SqlContext, never, SqlClient.SqlClient> = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const dialect = yield* dialectOf(sql)
  const binds = yield* bindsFor(dialect)
  return { sql, dialect, binds, table: (name) => sql(tableName(dialect, name)) }
})
