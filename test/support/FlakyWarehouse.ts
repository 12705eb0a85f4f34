import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Layer, Ref, Stream } from "effect"
import { CheckpointError, WarehouseError } from "../../src/domain/Errors.js"
import * as SqlClientSqlite from "../../src/layers/warehouse/SqlClientSqlite.js"
import * as WarehouseSql from "../../src/layers/warehouse/WarehouseSql.js"
import { Warehouse } from "../../src/services/Warehouse.js"

/** Operations of the warehouse that `failing` can take down; `"*"` takes down all of them. */
export type Outage = Ref.Ref<ReadonlySet<string>>

const outageError = (operation: string) =>
  new WarehouseError({ message: `warehouse ${operation} failed: connection reset`, details: { operation } })

/**
 * The warehouse provided to it, in front of which the operations named in `failing` fail as a
 * dropped connection would: for injecting outages into the program's writes and reads.
 */
export const flaky = (failing: Outage): Layer.Layer<Warehouse, never, Warehouse> => {
  const down = (operation: string) => Effect.map(Ref.get(failing), (set) => set.has(operation) || set.has("*"))
  const guard =
    (operation: string) =>
    <A, E>(self: Effect.Effect<A, E>): Effect.Effect<A, E | WarehouseError> =>
      Effect.flatMap(
        down(operation),
        (isDown): Effect.Effect<A, E | WarehouseError> => (isDown ? Effect.fail(outageError(operation)) : self),
      )
  return Layer.effect(
    Warehouse,
    Effect.map(Warehouse, (real) =>
      Warehouse.of({
        ...real,
        readCheckpoint: Effect.flatMap(down("readCheckpoint"), (isDown) =>
          isDown
            ? Effect.fail(new CheckpointError({ message: "could not read the checkpoint: connection reset" }))
            : real.readCheckpoint,
        ),
        advanceCheckpoint: (week) => guard("advanceCheckpoint")(real.advanceCheckpoint(week)),
        startRun: (run) => guard("startRun")(real.startRun(run)),
        finishRun: (run) => guard("finishRun")(real.finishRun(run)),
        startStage: (stage) => guard("startStage")(real.startStage(stage)),
        finishStage: (stage) => guard("finishStage")(real.finishStage(stage)),
        loadWeek: (week, rows) => guard("loadWeek")(real.loadWeek(week, rows)),
        exportRows: (week) =>
          Stream.unwrap(
            Effect.map(down("exportRows"), (isDown) =>
              isDown ? Stream.fail(outageError("exportRows")) : real.exportRows(week),
            ),
          ),
      }),
    ),
  )
}

/** The real SQL warehouse on SQLite `:memory:`, behind `flaky(failing)`. */
export const flakyWarehouse = (failing: Outage) =>
  flaky(failing).pipe(
    Layer.provide(WarehouseSql.layer),
    Layer.provideMerge(SqlClientSqlite.layer(":memory:").pipe(Layer.provide(NodeFileSystem.layer))),
  )
