import { FileSystem } from "@effect/platform"
import { Context, Effect, Layer } from "effect"
import { ScratchWarehouse } from "../../services/ScratchWarehouse.js"
import { Warehouse } from "../../services/Warehouse.js"
import * as SqlClientSqlite from "./SqlClientSqlite.js"
import * as WarehouseSql from "./WarehouseSql.js"

/**
 * The scratch warehouse: SQLite at the path the dry run gives (a file in its temporary directory,
 * so a week of millions of events stays on disk, not in memory), migrated by the warehouse's own
 * migrations: the export view it answers is the view the real warehouse defines.
 */
export const layer: Layer.Layer<ScratchWarehouse, never, FileSystem.FileSystem> = Layer.effect(
  ScratchWarehouse,
  Effect.map(FileSystem.FileSystem, (fs) =>
    ScratchWarehouse.of({
      open: (path) =>
        Effect.gen(function* () {
          const context = yield* Layer.build(WarehouseSql.layer.pipe(Layer.provide(SqlClientSqlite.layer(path))))
          const warehouse = Context.get(context, Warehouse)
          yield* warehouse.migrate
          return warehouse
        }).pipe(Effect.provideService(FileSystem.FileSystem, fs)),
    }),
  ),
)
