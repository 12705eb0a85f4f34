import { Clock, Effect, Option } from "effect"
import type { RunFinish } from "../../domain/AuditRecords.js"
import { runMetrics } from "../../domain/RunStatus.js"
import type { Week } from "../../domain/Week.js"
import type { WeekMarker } from "../../domain/WeekMarker.js"
import { AppConfig } from "../../services/AppConfig.js"
import type * as QualityGate from "../stages/QualityGate.js"
import type * as Transform from "../stages/Transform.js"
import { recordRunFinish, recordRunStart } from "./AuditTrail.js"
import { advanceIfDue, owedAdvance } from "./Checkpoint.js"
import type { RunContext } from "./RunContext.js"
import { readMarker, recordedOutputs, removeIntermediates, repairLakeCopies, writeMarker } from "./WeekFiles.js"

/** The run's metrics from the transform's counts. */
export const metricsOf = (transform: Transform.Validation, thresholdPct: number) =>
  runMetrics(transform.rowsFetched, transform.rowsRejected, thresholdPct)

/** The run row of the run that marked the week done, as the marker records it. */
const runFinishOf = (ctx: RunContext, marker: WeekMarker): RunFinish => ({
  runId: marker.run_id,
  status: marker.status,
  metrics: marker.metrics,
  finishedAt: new Date(marker.finished_at),
  ...recordedOutputs(ctx),
  errorType: null,
  errorMessage: null,
})

/**
 * What follows the marker, each step idempotent: the run row finished, the intermediate files
 * removed, and last the checkpoint moved. A run killed anywhere in here leaves the checkpoint
 * behind its marker, which is how the next run of the week knows to do the rest (`owedAdvance`).
 */
const endWeek = (ctx: RunContext, marker: WeekMarker) =>
  Effect.gen(function* () {
    yield* recordRunFinish(runFinishOf(ctx, marker))
    yield* removeIntermediates(ctx)
    return yield* advanceIfDue(ctx)
  })

/**
 * Ends a week that went through every stage: the `_SUCCESS.json` marker written (and put in the
 * lake), then the run row finished with its status and metrics, the run's sidecars and
 * intermediate files removed, and the checkpoint advanced when this is its week.
 */
export const completeWeek = (ctx: RunContext, transform: Transform.Output, gate: QualityGate.Output) =>
  Effect.gen(function* () {
    const settings = yield* AppConfig
    const marker: WeekMarker = {
      run_id: ctx.runId,
      run_tag: ctx.runTag,
      week_start: ctx.week.start,
      week_end: ctx.week.end,
      status: gate.status,
      metrics: metricsOf(transform, settings.quality.rejectThresholdPct),
      events: transform.events,
      rejects: transform.rejects,
      finished_at: new Date(yield* Clock.currentTimeMillis).toISOString(),
    }
    yield* writeMarker(ctx, marker)
    return yield* endWeek(ctx, marker)
  })

/** Does the end of a week whose run was killed after writing its marker (see `owedAdvance`). */
const finishInterruptedWeek = (ctx: RunContext, marker: WeekMarker) =>
  Effect.gen(function* () {
    yield* Effect.logWarning("the run that finished this week stopped before its end: finishing it").pipe(
      Effect.annotateLogs({ marked_by_run: marker.run_id, marked_at: marker.finished_at }),
    )
    return yield* endWeek(ctx, marker)
  })

/**
 * A week already done: nothing runs again (unless `--force`, which never comes here); missing
 * lake copies are put back. A run that starts weeks records a SKIPPED run row. A run that ends
 * weeks (full, or the last stage) finishes what a run killed after the marker left undone, or
 * with `--advance-on-skip` moves the checkpoint past the week. Answers the lake copies put back
 * and where the checkpoint points when this run moved it.
 */
export const skipDoneWeek = (ctx: RunContext) =>
  Effect.gen(function* () {
    yield* Effect.logInfo("Week already done: skipped (run with --force to redo it)").pipe(
      Effect.annotateLogs({ marker: ctx.paths.marker }),
    )
    const lakeCopiesRedone = yield* repairLakeCopies(ctx)
    const marker = yield* readMarker(ctx)
    const stage = ctx.options.stage
    if (stage === "full" || stage === "extract") {
      const now = new Date(yield* Clock.currentTimeMillis)
      yield* recordRunStart({ runId: ctx.runId, correlationId: ctx.correlationId, week: ctx.week, startedAt: now })
      yield* recordRunFinish({
        runId: ctx.runId,
        status: "SKIPPED",
        metrics: Option.match(marker, { onNone: () => runMetrics(0, 0, 0), onSome: (m) => m.metrics }),
        finishedAt: now,
        outputPath: null,
        rejectsPath: null,
        errorType: null,
        errorMessage: null,
      })
    }
    if (stage !== "full" && stage !== "salesforce-sync") return { lakeCopiesRedone, nextWeek: Option.none<Week>() }
    const owed = yield* owedAdvance(ctx, marker)
    const nextWeek = Option.isSome(owed)
      ? yield* finishInterruptedWeek(ctx, owed.value)
      : ctx.options.advanceOnSkip
        ? yield* advanceIfDue(ctx)
        : Option.none<Week>()
    return { lakeCopiesRedone, nextWeek }
  })
