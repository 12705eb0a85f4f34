import { FileSystem } from "@effect/platform"
import { Effect, Option, Schema } from "effect"
import { RunMetrics, RunStatus } from "../../domain/RunStatus.js"
import { Lake } from "../../services/Lake.js"
import type { RunContext } from "./RunContext.js"
import { Facts } from "./StageOutputs.js"

/** `_SUCCESS.json`: written last, when the whole week went through; its presence means "done". */
export const WeekMarker = Schema.Struct({
  run_id: Schema.String,
  run_tag: Schema.String,
  week_start: Schema.String,
  week_end: Schema.String,
  status: RunStatus,
  metrics: RunMetrics,
  events: Facts,
  rejects: Facts,
  finished_at: Schema.String,
})
export type WeekMarker = typeof WeekMarker.Type

const decode = Schema.decodeUnknownOption(Schema.parseJson(WeekMarker))

/** The marker of a done week, from local disk or the lake; none when absent or unreadable. */
export const readMarker = (ctx: RunContext) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const local = yield* fs.readFileString(ctx.paths.marker).pipe(Effect.option)
    if (Option.isSome(local)) return decode(local.value)
    if (!ctx.useLake) return Option.none<WeekMarker>()
    const lake = yield* Lake
    if (!(yield* lake.exists(ctx.paths.lakeMarker))) return Option.none<WeekMarker>()
    yield* lake.get(ctx.paths.lakeMarker, ctx.paths.marker)
    return decode(yield* fs.readFileString(ctx.paths.marker).pipe(Effect.orElseSucceed(() => "")))
  })
