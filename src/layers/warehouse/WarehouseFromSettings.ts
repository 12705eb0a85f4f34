import type { FileSystem } from "@effect/platform"
import type { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import type { ConfigurationError, WarehouseError } from "../../domain/Errors.js"
import { AppConfig } from "../../services/AppConfig.js"
import type { SyncLedger } from "../../services/SyncLedger.js"
import type { Warehouse } from "../../services/Warehouse.js"
import * as SqlClientSqlite from "./SqlClientSqlite.js"
import * as SyncLedgerSql from "./SyncLedgerSql.js"
import * as WarehouseSql from "./WarehouseSql.js"

/** The SQL client the settings choose: Azure SQL when WAREHOUSE is mssql, else SQLite at SQLITE_PATH. */
const sqlClient: Layer.Layer<
  SqlClient.SqlClient,
  WarehouseError | ConfigurationError,
  AppConfig | FileSystem.FileSystem
> = Layer.unwrapEffect(
  Effect.map(AppConfig, ({ warehouse }) =>
    warehouse.kind === "mssql"
      ? // Loaded only for SQL Server: tedious adds a fifth of a second to every start of the CLI.
        Layer.unwrapEffect(
          Effect.map(
            Effect.promise(() => import("./SqlClientMssql.js")),
            (SqlClientMssql) => SqlClientMssql.layer(warehouse),
          ),
        )
      : SqlClientSqlite.layer(warehouse.sqlitePath),
  ),
)

/** The warehouse and the Salesforce sync's ledger, on one client (one SQLite connection, one SQL Server pool). */
export const layer: Layer.Layer<
  Warehouse | SyncLedger,
  WarehouseError | ConfigurationError,
  AppConfig | FileSystem.FileSystem
> = Layer.merge(WarehouseSql.layer, SyncLedgerSql.layer).pipe(Layer.provide(sqlClient))
