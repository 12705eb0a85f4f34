import type { FileSystem } from "@effect/platform"
import type { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import { type ConfigurationError, WarehouseError } from "../../domain/Errors.js"
import { AppConfig, type WarehouseSettings } from "../../services/AppConfig.js"
import { describeWarehouse, type PipelineHistory } from "../../services/PipelineHistory.js"
import * as PipelineHistorySql from "./PipelineHistorySql.js"
import * as SqlClientSqlite from "./SqlClientSqlite.js"

/** SQL Server that cannot be reached: the settings that say where it is, and the driver's words. */
const unreachable = (settings: WarehouseSettings) => (error: WarehouseError | ConfigurationError) =>
  error._tag === "WarehouseError"
    ? new WarehouseError({
        message: `cannot reach the warehouse, ${describeWarehouse(settings)} (check those settings and AZURE_SQL_USERNAME / AZURE_SQL_PASSWORD): ${error.message}`,
        details: {
          ...error.details,
          settings: ["AZURE_SQL_SERVER", "AZURE_SQL_PORT", "AZURE_SQL_DATABASE"],
        },
      })
    : error

/**
 * A client that only reads: SQLite at SQLITE_PATH, which must exist, with writes refused; or
 * Azure SQL, connected and checked when built.
 */
const readClient = (
  settings: WarehouseSettings,
): Layer.Layer<SqlClient.SqlClient, WarehouseError | ConfigurationError, FileSystem.FileSystem> =>
  settings.kind === "mssql"
    ? // Loaded only for SQL Server: tedious adds a fifth of a second to every start of the CLI.
      Layer.unwrapEffect(
        Effect.map(
          Effect.promise(() => import("./SqlClientMssql.js")),
          (SqlClientMssql) => SqlClientMssql.layer(settings).pipe(Layer.mapError(unreachable(settings))),
        ),
      )
    : SqlClientSqlite.layerReadOnly(settings.sqlitePath)

/**
 * The pipeline's history in the warehouse the settings choose, read only: no file created, no
 * migration applied, no write made. A warehouse without the pipeline's tables fails, naming them.
 */
export const layer: Layer.Layer<
  PipelineHistory,
  WarehouseError | ConfigurationError,
  AppConfig | FileSystem.FileSystem
> = Layer.unwrapEffect(
  Effect.map(AppConfig, ({ warehouse }) =>
    PipelineHistorySql.layer({ where: describeWarehouse(warehouse) }).pipe(Layer.provide(readClient(warehouse))),
  ),
)
