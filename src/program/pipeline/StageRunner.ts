import { Cause, Clock, Effect, Option } from "effect"
import { isPipelineError } from "../../domain/Errors.js"
import type { StageName } from "../../domain/RunStatus.js"
import { recordStageFinish, recordStageStart } from "./AuditTrail.js"
import type { RunContext } from "./RunContext.js"
import { writeSidecar } from "./Sidecars.js"
import type { StageOutputs } from "./StageOutputs.js"

/** How a stage ended, for the run's summary. */
export interface StageReport {
  readonly stage: StageName
  readonly durationMs: number
}

/** The error of a failed effect as the audit trail records it: its tag and message, or the defect. */
export const describeFailure = (cause: Cause.Cause<unknown>): { errorType: string; errorMessage: string } => {
  if (Cause.isInterruptedOnly(cause)) return { errorType: "Interrupted", errorMessage: "the run was interrupted" }
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure) && isPipelineError(failure.value)) {
    return { errorType: failure.value._tag, errorMessage: failure.value.message }
  }
  const squashed = Cause.squash(cause)
  return { errorType: "Defect", errorMessage: squashed instanceof Error ? squashed.message : String(squashed) }
}

type Counts = readonly [rowsIn: number | null, rowsOut: number | null]

/** Rows in and out of each stage, for `pipeline_stage`. */
const ROW_COUNTS: { readonly [S in StageName]: (output: StageOutputs[S]) => Counts } = {
  extract: (o) => [null, o.rowsFetched],
  transform: (o) => [o.rowsFetched, o.rowsValid],
  load: (o) => [null, o.warehouseRows],
  "quality-gate": () => [null, null],
  "salesforce-sync": (o) => [o.sent + o.unchanged, o.created + o.updated],
}

/**
 * Runs one stage of a run: a `pipeline_stage` row when it starts and when it ends (best effort),
 * its sidecar written when it succeeds, and the stage's own span and log lines in between.
 */
export const runStage = <S extends StageName, E, R>(
  ctx: RunContext,
  stage: S,
  step: Effect.Effect<StageOutputs[S], E, R>,
) =>
  Effect.gen(function* () {
    const startedAt = yield* Clock.currentTimeMillis
    yield* recordStageStart({ runId: ctx.runId, stage, startedAt: new Date(startedAt) })
    const output = yield* step.pipe(
      Effect.onError((cause) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          recordStageFinish({
            runId: ctx.runId,
            stage,
            status: "FAILED",
            finishedAt: new Date(now),
            rowsIn: null,
            rowsOut: null,
            ...describeFailure(cause),
          }),
        ),
      ),
    )
    const finishedAt = yield* Clock.currentTimeMillis
    yield* writeSidecar(ctx, stage, output, finishedAt - startedAt)
    const [rowsIn, rowsOut] = (ROW_COUNTS[stage] as (o: StageOutputs[S]) => Counts)(output)
    yield* recordStageFinish({
      runId: ctx.runId,
      stage,
      status: "SUCCESS",
      finishedAt: new Date(finishedAt),
      rowsIn,
      rowsOut,
      errorType: null,
      errorMessage: null,
    })
    return { output, report: { stage, durationMs: finishedAt - startedAt } satisfies StageReport }
  }).pipe(Effect.annotateLogs({ stage, run_id: ctx.runId }))
