import * as Reactivity from "@effect/experimental/Reactivity"
import { SqlClient } from "@effect/sql"
import type { Connection } from "@effect/sql/SqlConnection"
import { MssqlClient } from "@effect/sql-mssql"
import { Effect, Layer, Stream } from "effect"

export interface Recorded {
  readonly sql: string
  readonly params: ReadonlyArray<unknown>
}

/** A bound parameter as @effect/sql-mssql hands it to tedious: a type, a value and options. */
export interface MssqlParam {
  readonly _tag: "Custom"
  readonly kind: "MssqlParam"
  readonly i0: { readonly name: string }
  readonly i1: unknown
  readonly i2: Record<string, unknown>
}

export const isMssqlParam = (u: unknown): u is MssqlParam =>
  typeof u === "object" && u !== null && (u as { kind?: unknown }).kind === "MssqlParam"

export type Responder = (sql: string, params: ReadonlyArray<unknown>) => ReadonlyArray<Record<string, unknown>>

/**
 * A SqlClient with SQL Server's own statement compiler (@effect/sql-mssql's `makeCompiler`) whose
 * connection records every statement and its parameters instead of sending them: exactly what
 * tedious would receive, with no server. `respond` answers the rows a statement returns.
 */
export const recordingMssqlClient = (log: Array<Recorded>, respond: Responder = () => []) =>
  Layer.effect(
    SqlClient.SqlClient,
    Effect.gen(function* () {
      const run = (sql: string, params: ReadonlyArray<unknown>) =>
        Effect.sync(() => {
          log.push({ sql, params })
          return respond(sql, params)
        })
      const connection: Connection = {
        execute: (sql, params) => run(sql, params),
        executeRaw: (sql, params) => run(sql, params),
        executeValues: (sql, params) => Effect.map(run(sql, params), (rows) => rows.map((row) => Object.values(row))),
        executeUnprepared: (sql, params) => run(sql, params ?? []),
        executeStream: (sql, params) => Stream.fromIterableEffect(run(sql, params)),
      }
      return yield* SqlClient.make({
        acquirer: Effect.succeed(connection),
        compiler: MssqlClient.makeCompiler(),
        spanAttributes: [],
        beginTransaction: "BEGIN TRANSACTION",
        commit: "COMMIT TRANSACTION",
        rollback: "ROLLBACK TRANSACTION",
        savepoint: (name) => `SAVE TRANSACTION ${name}`,
        rollbackSavepoint: (name) => `ROLLBACK TRANSACTION ${name}`,
      })
    }),
  ).pipe(Layer.provide(Reactivity.layer))
