import { Migrator, SqlClient } from "@effect/sql"
import { SqlError } from "@effect/sql/SqlError"
import { Effect, Layer, Option } from "effect"
import { WarehouseError } from "../../domain/Errors.js"
import { Warehouse } from "../../services/Warehouse.js"
import { migrations } from "./migrations/index.js"
import { makeAudit } from "./WarehouseAudit.js"
import { makeExportRows } from "./WarehouseExport.js"
import { insertBatchRows, makeLoadWeek, PARAMETER_BUDGET } from "./WarehouseLoad.js"
import { makeSqlContext } from "./WarehouseSqlContext.js"
import { describeSqlError, mapSqlErrors } from "./WarehouseSqlErrors.js"
import { tableName } from "./WarehouseSqlTypes.js"

export interface WarehouseSqlOptions {
  /** Rows per export page (default 5,000). */
  readonly exportPageSize?: number
  /** Rows per INSERT; capped by the dialect's parameter limit. */
  readonly insertBatchRows?: number
}

const runMigrations = Migrator.make({})

/** A migration that failed: the migrator raises it as a defect, with the SQL error as its cause. */
const migrationFailed = (defect: unknown): Option.Option<Effect.Effect<never, WarehouseError>> =>
  defect instanceof Migrator.MigrationError
    ? Option.some(
        Effect.fail(
          new WarehouseError({
            message: `warehouse migrate failed: ${defect.message}: ${
              defect.cause instanceof SqlError
                ? describeSqlError(defect.cause)
                : defect.cause instanceof Error
                  ? defect.cause.message
                  : String(defect.cause)
            }`,
            details: { operation: "migrate", reason: defect.reason },
          }),
        ),
      )
    : Option.none()

const make = (options: WarehouseSqlOptions) =>
  Effect.gen(function* () {
    const ctx = yield* makeSqlContext
    const budgetRows = insertBatchRows(PARAMETER_BUDGET[ctx.dialect])
    const batchRows = Math.max(1, Math.min(options.insertBatchRows ?? budgetRows, budgetRows))

    const migrate = Effect.fn("Warehouse.migrate")(() =>
      runMigrations({ loader: migrations, table: tableName(ctx.dialect, "effect_sql_migrations") }).pipe(
        Effect.map((applied) => applied.map(([id, name]) => ({ id, name }))),
        Effect.catchTag("MigrationError", (error) =>
          Effect.fail(
            new WarehouseError({
              message: `warehouse migrate failed: ${error.message}`,
              details: { operation: "migrate", reason: error.reason },
            }),
          ),
        ),
        Effect.catchSomeDefect(migrationFailed),
        mapSqlErrors("migrate"),
        Effect.provideService(SqlClient.SqlClient, ctx.sql),
      ),
    )

    return Warehouse.of({
      migrate: migrate(),
      ...makeAudit(ctx),
      loadWeek: makeLoadWeek(ctx, batchRows),
      exportRows: makeExportRows(ctx, options.exportPageSize ?? 5000),
    })
  })

/** The warehouse over whatever `SqlClient` is provided: SQL Server or SQLite. */
export const layerWith = (options: WarehouseSqlOptions): Layer.Layer<Warehouse, never, SqlClient.SqlClient> =>
  Layer.effect(Warehouse, make(options))

/** The same with 5,000-row export pages and the largest INSERTs the dialect allows. */
export const layer = layerWith({})
