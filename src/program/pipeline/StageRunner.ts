import { Cause, Clock, Effect, Exit } from "effect"
import type { StageName } from "../../domain/RunStatus.js"
import { describeFailure, recordStageFinish, recordStageStart } from "./AuditTrail.js"
import type { RunContext } from "./RunContext.js"
import { type HandedOver, handOver, requireSidecar, type WeekFile } from "./WeekFiles.js"

/**
 * A stage as the runner takes it: what each file of `program/stages/` exports. `run` gets the
 * run and the output of the stage before it (what it needs of it).
 */
export interface Stage<A, I, In, E, R> extends HandedOver<A, I> {
  readonly run: (ctx: RunContext, input: In) => Effect.Effect<A, E, R>
  /** Rows in and out, for `pipeline_stage`. */
  readonly rowCounts: (output: A) => readonly [rowsIn: number | null, rowsOut: number | null]
  /** The files it writes for the next stage, which may run on another worker. */
  readonly writes: ReadonlyArray<WeekFile>
}

/** How a stage ended, for the run's summary. */
export interface StageReport {
  readonly stage: StageName
  readonly durationMs: number
}

/**
 * Logs `"{stage} started"`, then `"{stage} succeeded"` or `"{stage} failed"` (with the cause) or
 * `"{stage} interrupted"`, each end with its `duration_ms`.
 */
export const timed =
  (stage: StageName) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.gen(function* () {
      const startedAt = yield* Clock.currentTimeMillis
      yield* Effect.logInfo(`${stage} started`)
      return yield* Effect.onExit(self, (exit) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const ended = Exit.isSuccess(exit)
            ? Effect.logInfo(`${stage} succeeded`)
            : Cause.isInterruptedOnly(exit.cause)
              ? Effect.logWarning(`${stage} interrupted`)
              : Effect.logError(`${stage} failed`, exit.cause)
          return ended.pipe(Effect.annotateLogs({ duration_ms: now - startedAt }))
        }),
      )
    })

/**
 * The output an earlier stage handed over: held in memory by a full run, else (a `--stage`
 * process) read from its sidecar.
 */
export const handedOver = <A, I>(ctx: RunContext, stage: HandedOver<A, I>, held: A | undefined) =>
  held === undefined ? Effect.map(requireSidecar(ctx, stage), (sidecar) => sidecar.output) : Effect.succeed(held)

/**
 * Runs one stage of a run, in its one span: a `pipeline_stage` row when it starts and when it ends
 * (best effort), its timed log lines, its input taken over from the stage before, and, in a
 * `--stage` process, its output handed over to the next process.
 */
export const runStage = <A, I, In, E, R, EIn, RIn>(
  ctx: RunContext,
  stage: Stage<A, I, In, E, R>,
  input: Effect.Effect<In, EIn, RIn>,
) =>
  Effect.gen(function* () {
    const startedAt = yield* Clock.currentTimeMillis
    yield* recordStageStart({ runId: ctx.runId, stage: stage.name, startedAt: new Date(startedAt) })
    const done = Effect.gen(function* () {
      const output = yield* timed(stage.name)(Effect.flatMap(input, (given) => stage.run(ctx, given)))
      const finishedAt = yield* Clock.currentTimeMillis
      if (ctx.options.stage !== "full") yield* handOver(ctx, stage, output, finishedAt - startedAt)
      return { output, finishedAt }
    })
    const { output, finishedAt } = yield* done.pipe(
      Effect.onError((cause) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          recordStageFinish({
            runId: ctx.runId,
            stage: stage.name,
            status: "FAILED",
            finishedAt: new Date(now),
            rowsIn: null,
            rowsOut: null,
            ...describeFailure(cause),
          }),
        ),
      ),
    )
    const [rowsIn, rowsOut] = stage.rowCounts(output)
    yield* recordStageFinish({
      runId: ctx.runId,
      stage: stage.name,
      status: "SUCCESS",
      finishedAt: new Date(finishedAt),
      rowsIn,
      rowsOut,
      errorType: null,
      errorMessage: null,
    })
    return { output, report: { stage: stage.name, durationMs: finishedAt - startedAt } satisfies StageReport }
  }).pipe(
    Effect.withSpan(stage.name, {
      attributes: { run_id: ctx.runId, week_start: ctx.week.start, week_end: ctx.week.end },
    }),
    Effect.annotateLogs({ stage: stage.name, run_id: ctx.runId }),
  )
