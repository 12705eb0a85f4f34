import type { FileSystem } from "@effect/platform"
import { Clock, Effect, FiberRef, HashMap, Option } from "effect"
import type { PipelineError } from "../../domain/Errors.js"
import { type RunStatus, runMetrics, STAGES, type StageName } from "../../domain/RunStatus.js"
import type { Week } from "../../domain/Week.js"
import { weekPaths } from "../../domain/WeekPaths.js"
import { AppConfig } from "../../services/AppConfig.js"
import type { Crm } from "../../services/Crm.js"
import type { EventsApi } from "../../services/EventsApi.js"
import type { Lake } from "../../services/Lake.js"
import type { StateStore } from "../../services/StateStore.js"
import type { SyncLedger } from "../../services/SyncLedger.js"
import { Warehouse } from "../../services/Warehouse.js"
import { recordRunFinish, recordRunStart } from "./AuditTrail.js"
import { weekFromCheckpoint } from "./CheckpointWeek.js"
import { dryRunWeek } from "./DryRun.js"
import { replayPendingUpdates } from "./PendingReplay.js"
import type { RunContext } from "./RunContext.js"
import type { RunOptions } from "./RunOptions.js"
import { readSidecar } from "./Sidecars.js"
import type { StageOutputs } from "./StageOutputs.js"
import { describeFailure, runStage, type StageReport } from "./StageRunner.js"
import { extractStep, gateStep, loadStep, requireSidecar, syncStep, transformStep } from "./Steps.js"
import {
  completeWeek,
  finishInterruptedWeek,
  interruptedEnd,
  maybeAdvanceCheckpoint,
  metricsOf,
  removeAbandonedTempsOfWeek,
  repairLakeCopies,
  weekDone,
} from "./WeekCompletion.js"
import { readMarker, type WeekMarker } from "./WeekMarker.js"
import { airflowRunTag, noWeek, weekSourceOf } from "./WeekSource.js"

/** Everything a run talks to. */
export type PipelineServices =
  | EventsApi
  | Lake
  | Warehouse
  | StateStore
  | Crm
  | SyncLedger
  | AppConfig
  | FileSystem.FileSystem

/** How a run behaves beyond its flags: the scheduler stops between stages, not inside one. */
export interface RunBehaviour {
  readonly stopBetweenStages?: boolean
}

/** How a run of a week ended, for its summary. */
export interface RunOutcome {
  readonly runId: string
  readonly runTag: string
  readonly week: Week
  /** IN_PROGRESS: a `--stage` run that is not the last stage; the next stage carries the run on. */
  readonly status: RunStatus | "IN_PROGRESS"
  readonly dryRun: boolean
  readonly stages: ReadonlyArray<StageReport>
  readonly outputs: Partial<StageOutputs>
  /** The week the checkpoint points at after this run, when this run moved it. */
  readonly nextWeek: Option.Option<Week>
  readonly lakeCopiesRedone: number
  /** What validation found: counts and the most frequent reject reasons (the summary shows them). */
  readonly validation: Option.Option<Validation>
}

export interface Validation {
  readonly rowsFetched: number
  readonly rowsValid: number
  readonly rowsRejected: number
  readonly topRejectReasons: ReadonlyArray<{ readonly reason: string; readonly count: number }>
}

const STEPS: {
  readonly [S in StageName]: (ctx: RunContext) => Effect.Effect<StageOutputs[S], PipelineError, PipelineServices>
} = {
  extract: extractStep,
  transform: transformStep,
  load: loadStep,
  "quality-gate": gateStep,
  "salesforce-sync": syncStep,
}

const currentCorrelationId = Effect.map(FiberRef.get(FiberRef.currentLogAnnotations), (annotations) =>
  Option.getOrElse(
    Option.map(HashMap.get(annotations, "correlation_id"), (id) => String(id)),
    () => crypto.randomUUID(),
  ),
)

/** The week this run is for: flags, else the checkpoint (`--use-checkpoint`), else WEEK_START/WEEK_END. */
export const resolveWeek = (options: RunOptions) =>
  Effect.gen(function* () {
    const settings = yield* AppConfig
    const { source, week } = yield* weekSourceOf(options, settings.week)
    if (Option.isSome(week)) return week.value
    if (source === "checkpoint") return yield* weekFromCheckpoint
    return yield* noWeek
  })

/**
 * Who this run is. A full run is a new run. A `--stage` run belongs to the run its extract
 * started, found through the run tag (AIRFLOW_CTX_DAG_RUN_ID; "manual" when a person runs the
 * stages one by one for a week).
 */
const makeContext = (options: RunOptions, week: Week, behaviour: RunBehaviour) =>
  Effect.gen(function* () {
    const settings = yield* AppConfig
    const stageMode = options.stage !== "full"
    const newRunId = crypto.randomUUID()
    const airflow = yield* airflowRunTag
    const runTag = Option.getOrElse(airflow, () => (stageMode ? "manual" : newRunId))
    const useLake = !options.localOnly
    const ctx: RunContext = {
      runId: newRunId,
      runTag,
      correlationId: yield* currentCorrelationId,
      week,
      paths: weekPaths(settings.locations, week),
      options,
      useLake,
      handOffThroughLake: stageMode && useLake,
      stopBetweenStages: behaviour.stopBetweenStages ?? false,
    }
    return ctx
  })

/** A `--stage` run after extract joins the run its extract started. */
const joinRun = (ctx: RunContext) =>
  ctx.options.stage === "full" || ctx.options.stage === "extract"
    ? Effect.succeed(ctx)
    : Effect.map(requireSidecar(ctx, "extract"), (extract): RunContext => ({ ...ctx, runId: extract.runId }))

/** Metrics for a run row that ends early: the transform's counts when it got that far. */
const partialMetrics = (ctx: RunContext) =>
  Effect.gen(function* () {
    const threshold = (yield* AppConfig).quality.rejectThresholdPct
    const transform = yield* readSidecar(ctx, "transform").pipe(Effect.orElseSucceed(() => Option.none()))
    return Option.match(transform, {
      onNone: () => runMetrics(0, 0, threshold),
      onSome: (t) => metricsOf(t.output, threshold),
    })
  })

/** A week already done: nothing runs again unless `--force`; missing lake copies are put back. */
const skipWeek = (ctx: RunContext) =>
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
        metrics: Option.match(marker, {
          onNone: () => runMetrics(0, 0, 0),
          onSome: (m) => m.metrics,
        }),
        finishedAt: now,
        outputPath: null,
        rejectsPath: null,
        errorType: null,
        errorMessage: null,
      })
    }
    // Only a run that ends weeks (full, or the last stage) moves the checkpoint of a skipped one.
    const ends = stage === "full" || stage === "salesforce-sync"
    const interrupted = ends ? yield* interruptedEnd(ctx, marker) : Option.none<WeekMarker>()
    let nextWeek = Option.none<Week>()
    if (Option.isSome(interrupted)) nextWeek = yield* finishInterruptedWeek(ctx, interrupted.value)
    else if (ends && ctx.options.advanceOnSkip) nextWeek = yield* maybeAdvanceCheckpoint(ctx)
    return {
      runId: ctx.runId,
      runTag: ctx.runTag,
      week: ctx.week,
      status: "SKIPPED",
      dryRun: false,
      stages: [],
      outputs: {},
      nextWeek,
      lakeCopiesRedone,
      validation: Option.none(),
    } satisfies RunOutcome
  })

/** The stages a run takes, each recorded and handed over through its sidecar; the last one ends the week. */
const runStages = (ctx: RunContext) =>
  Effect.gen(function* () {
    const stages: ReadonlyArray<StageName> = ctx.options.stage === "full" ? STAGES : [ctx.options.stage]
    yield* recordRunStart({
      runId: ctx.runId,
      correlationId: ctx.correlationId,
      week: ctx.week,
      startedAt: new Date(yield* Clock.currentTimeMillis),
    })
    const reports: Array<StageReport> = []
    const outputs: { -readonly [S in StageName]?: StageOutputs[S] } = {}
    for (const stage of stages) {
      const stageRun = runStage(ctx, stage, STEPS[stage](ctx))
      const { output, report } = yield* ctx.stopBetweenStages ? Effect.uninterruptible(stageRun) : stageRun
      ;(outputs as Record<StageName, unknown>)[stage] = output
      reports.push(report)
    }
    if (!stages.includes("salesforce-sync")) {
      return { status: "IN_PROGRESS" as const, reports, outputs, nextWeek: Option.none<Week>() }
    }
    const transform = (yield* requireSidecar(ctx, "transform")).output
    const gate = (yield* requireSidecar(ctx, "quality-gate")).output
    const { next } = yield* completeWeek(ctx, transform, gate)
    return { status: gate.status, reports, outputs, nextWeek: next }
  }).pipe(
    Effect.onError((cause) =>
      Effect.gen(function* () {
        yield* recordRunFinish({
          runId: ctx.runId,
          status: "FAILED",
          metrics: yield* partialMetrics(ctx),
          finishedAt: new Date(yield* Clock.currentTimeMillis),
          outputPath: null,
          rejectsPath: null,
          ...describeFailure(cause),
        })
      }),
    ),
  )

/**
 * What every run does first: the warehouse schema brought up to date (a no-op when it is) and the
 * queued warehouse writes of earlier runs replayed.
 */
export const preparePipeline = Effect.gen(function* () {
  const applied = yield* Effect.flatMap(Warehouse, (w) => w.migrate)
  if (applied.length > 0) {
    yield* Effect.logInfo("warehouse migrated").pipe(Effect.annotateLogs({ applied: applied.map((m) => m.name) }))
  }
  yield* replayPendingUpdates
})

/**
 * One week through the pipeline, or one stage of it: the week resolved, skipped when it is
 * already done (unless `--force`), the stages run, the run row finished, the checkpoint advanced
 * and the intermediate files removed. Expects `preparePipeline` to have run.
 */
export const runWeekOf = (
  options: RunOptions,
  behaviour: RunBehaviour = {},
): Effect.Effect<RunOutcome, PipelineError, PipelineServices> =>
  Effect.gen(function* () {
    const week = yield* resolveWeek(options)
    const base = yield* makeContext(options, week, behaviour)
    return yield* Effect.gen(function* () {
      if (options.dryRun) return yield* dryRunWeek(base)
      yield* removeAbandonedTempsOfWeek(base)
      if (!options.force && (yield* weekDone(base))) return yield* skipWeek(base)
      const ctx = yield* joinRun(base)
      const run = yield* runStages(ctx)
      const outcome: RunOutcome = {
        runId: ctx.runId,
        runTag: ctx.runTag,
        week,
        status: run.status,
        dryRun: false,
        stages: run.reports,
        outputs: run.outputs,
        nextWeek: run.nextWeek,
        lakeCopiesRedone: 0,
        validation: Option.fromNullable(run.outputs.transform),
      }
      yield* Effect.logInfo("Run finished").pipe(
        Effect.annotateLogs({ status: outcome.status, stages: run.reports.map((r) => r.stage) }),
      )
      return outcome
    }).pipe(Effect.annotateLogs({ run_tag: base.runTag, week_start: week.start, week_end: week.end }))
  }).pipe(Effect.withSpan("run", { attributes: { stage: options.stage } }))

/** `reverse-etl run`: prepare, then one week. */
export const runPipeline = (options: RunOptions): Effect.Effect<RunOutcome, PipelineError, PipelineServices> =>
  Effect.zipRight(preparePipeline, runWeekOf(options))
