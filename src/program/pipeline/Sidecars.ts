import { FileSystem } from "@effect/platform"
import { Clock, Effect, Option, Schema } from "effect"
import { LocalStorageError } from "../../domain/Errors.js"
import { StageName } from "../../domain/RunStatus.js"
import { localStorageError, writeFileAtomic } from "../../platform/Files.js"
import { Lake } from "../../services/Lake.js"
import type { RunContext } from "./RunContext.js"
import { STAGE_OUTPUTS, type StageOutputs } from "./StageOutputs.js"

/**
 * `_stage_{name}_{run_tag}.json`: what a finished stage hands to the next. It names the run it
 * belongs to, so a later stage in another process joins the same run row.
 */
const Envelope = Schema.Struct({
  stage: StageName,
  run_id: Schema.String,
  run_tag: Schema.String,
  week_start: Schema.String,
  week_end: Schema.String,
  finished_at: Schema.String,
  duration_ms: Schema.Number,
  output: Schema.Unknown,
})

export interface Sidecar<S extends StageName> {
  readonly runId: string
  readonly durationMs: number
  readonly output: StageOutputs[S]
}

const decodeEnvelope = Schema.decodeUnknownEither(Schema.parseJson(Envelope))

const unreadable = (path: string, problem: string) =>
  new LocalStorageError({
    message: `sidecar ${path} cannot be read: ${problem}`,
    details: { operation: "read sidecar", path, reason: "Unreadable" },
  })

/** Writes the stage's sidecar next to the week's output, and into the lake when stages hand over there. */
export const writeSidecar = <S extends StageName>(
  ctx: RunContext,
  stage: S,
  output: StageOutputs[S],
  durationMs: number,
) =>
  Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    const encoded = yield* Schema.encode(STAGE_OUTPUTS[stage] as unknown as Schema.Schema<StageOutputs[S], unknown>)(
      output,
    ).pipe(Effect.orDie)
    const path = ctx.paths.sidecar(stage, ctx.runTag)
    const body = {
      stage,
      run_id: ctx.runId,
      run_tag: ctx.runTag,
      week_start: ctx.week.start,
      week_end: ctx.week.end,
      finished_at: new Date(now).toISOString(),
      duration_ms: durationMs,
      output: encoded,
    }
    yield* writeFileAtomic(path, `${JSON.stringify(body, null, 2)}\n`)
    if (ctx.handOffThroughLake)
      yield* Effect.flatMap(Lake, (lake) => lake.put(path, ctx.paths.lakeSidecar(stage, ctx.runTag)))
  })

/**
 * The sidecar a stage of this run tag left, from local disk or else from the lake (another
 * worker's disk); none when neither has it. A sidecar of another week or tag, or one that does
 * not decode, is an error: handing over the wrong data is worse than stopping.
 */
export const readSidecar = <S extends StageName>(ctx: RunContext, stage: S) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = ctx.paths.sidecar(stage, ctx.runTag)
    const local = yield* fs.exists(path).pipe(Effect.mapError(localStorageError("check", path)))
    if (!local) {
      if (!ctx.handOffThroughLake) return Option.none<Sidecar<S>>()
      const lake = yield* Lake
      const lakePath = ctx.paths.lakeSidecar(stage, ctx.runTag)
      if (!(yield* lake.exists(lakePath))) return Option.none<Sidecar<S>>()
      yield* lake.get(lakePath, path)
    }
    const text = yield* fs.readFileString(path).pipe(Effect.mapError(localStorageError("read", path)))
    const envelope = decodeEnvelope(text)
    if (envelope._tag === "Left") return yield* unreadable(path, envelope.left.message)
    const e = envelope.right
    if (
      e.stage !== stage ||
      e.run_tag !== ctx.runTag ||
      e.week_start !== ctx.week.start ||
      e.week_end !== ctx.week.end
    ) {
      return yield* unreadable(
        path,
        `it belongs to ${e.stage} of run tag ${e.run_tag}, week ${e.week_start}..${e.week_end}`,
      )
    }
    const output = Schema.decodeUnknownEither(
      STAGE_OUTPUTS[stage] as unknown as Schema.Schema<StageOutputs[S], unknown>,
    )(e.output)
    if (output._tag === "Left") return yield* unreadable(path, output.left.message)
    return Option.some<Sidecar<S>>({ runId: e.run_id, durationMs: e.duration_ms, output: output.right })
  })
