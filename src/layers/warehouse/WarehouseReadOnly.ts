import { FileSystem } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { Context, Effect, Layer } from "effect"
import type { ConfigurationError, WarehouseError } from "../../domain/Errors.js"
import { AppConfig } from "../../services/AppConfig.js"
import { SyncLedger } from "../../services/SyncLedger.js"
import { Warehouse } from "../../services/Warehouse.js"
import * as SqlClientSqlite from "./SqlClientSqlite.js"
import * as SyncLedgerSql from "./SyncLedgerSql.js"
import * as WarehouseFromSettings from "./WarehouseFromSettings.js"
import * as WarehouseSql from "./WarehouseSql.js"
import { warehouseError } from "./WarehouseSqlErrors.js"

const overClient = Layer.merge(WarehouseSql.layer, SyncLedgerSql.layer)

/**
 * No warehouse yet: an empty one in memory, migrated, then refusing writes as the file would. It
 * reads as the real one would on its first run: no checkpoint, no sync state, no open job.
 */
const empty: Layer.Layer<Warehouse | SyncLedger, WarehouseError> = Layer.scopedContext(
  Effect.gen(function* () {
    const context = yield* Layer.build(Layer.provideMerge(overClient, SqlClientSqlite.layer(":memory:")))
    yield* Context.get(context, Warehouse).migrate
    yield* Context.get(context, SqlClient.SqlClient)
      .unsafe("PRAGMA query_only = ON")
      .pipe(Effect.mapError(warehouseError("open", { path: ":memory:" })))
    return Context.make(Warehouse, Context.get(context, Warehouse)).pipe(
      Context.add(SyncLedger, Context.get(context, SyncLedger)),
    )
  }),
).pipe(Layer.provide(FileSystem.layerNoop({})))

/**
 * The warehouse the settings choose, as a dry run sees it: SQLite at SQLITE_PATH opened with
 * every write refused, or an empty one in memory when that file does not exist (it is never
 * created, nor migrated); Azure SQL as it is, which a dry run only reads from (its checkpoint, its
 * sync state, its open Bulk jobs).
 */
export const layer: Layer.Layer<
  Warehouse | SyncLedger,
  WarehouseError | ConfigurationError,
  AppConfig | FileSystem.FileSystem
> = Layer.unwrapEffect(
  Effect.gen(function* () {
    const { warehouse } = yield* AppConfig
    if (warehouse.kind === "mssql") return WarehouseFromSettings.layer
    const fs = yield* FileSystem.FileSystem
    const path = warehouse.sqlitePath
    const found =
      path.startsWith("file:") ||
      (path !== ":memory:" && (yield* fs.exists(path).pipe(Effect.orElseSucceed(() => false))))
    return found ? overClient.pipe(Layer.provide(SqlClientSqlite.layerReadOnly(path))) : empty
  }),
)
