import { Effect, Schema } from "effect"
import { readEventRows } from "../../codecs/parquet/EventsParquetReader.js"
import { FileFacts } from "../../domain/FileFacts.js"
import type { StageName } from "../../domain/RunStatus.js"
import { Warehouse } from "../../services/Warehouse.js"
import type { RunContext } from "../pipeline/RunContext.js"
import { copyToLake, makeLocal, type WeekFile } from "../pipeline/WeekFiles.js"
import type * as Transform from "./Transform.js"

export const name = "load" satisfies StageName

/** Where the week's Parquet files went: the lake and the warehouse table `ecom_events`. */
export const Output = Schema.Struct({
  /** The lake copies; null with `--local-only`. */
  lakeEvents: Schema.NullOr(FileFacts),
  lakeRejects: Schema.NullOr(FileFacts),
  warehouseRows: Schema.Number,
})
export type Output = typeof Output.Type

export const writes: ReadonlyArray<WeekFile> = []

export const rowCounts = (output: Output) => [null, output.warehouseRows] as const

/**
 * The load stage: the transform's two Parquet files (fetched from the lake when this worker lacks
 * them) put in the lake, and the week's events streamed into the warehouse, replacing the week's
 * rows there so a second load never doubles them.
 */
export const run = (ctx: RunContext, input: Transform.Output) =>
  Effect.gen(function* () {
    yield* makeLocal(ctx, "events", input.events)
    yield* makeLocal(ctx, "rejects", input.rejects)
    const lakeEvents = yield* copyToLake(ctx, "events")
    const lakeRejects = yield* copyToLake(ctx, "rejects")
    const warehouse = yield* Warehouse
    const warehouseRows = yield* warehouse.loadWeek(ctx.week, readEventRows(ctx.paths.events))
    yield* Effect.logInfo("Week loaded into the warehouse").pipe(
      Effect.annotateLogs({ rows: warehouseRows, table: "ecom_events" }),
    )
    return { lakeEvents, lakeRejects, warehouseRows } satisfies Output
  })
