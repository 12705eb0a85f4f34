import type { FileSystem } from "@effect/platform"
import { Effect, FiberRef, HashMap, Option } from "effect"
import type { PipelineError } from "../../domain/Errors.js"
import type { RunStatus } from "../../domain/RunStatus.js"
import type { Week } from "../../domain/Week.js"
import { weekPaths } from "../../domain/WeekPaths.js"
import { AppConfig } from "../../services/AppConfig.js"
import type { Crm } from "../../services/Crm.js"
import type { EventsApi } from "../../services/EventsApi.js"
import type { Lake } from "../../services/Lake.js"
import type { ScratchWarehouse } from "../../services/ScratchWarehouse.js"
import type { StateStore } from "../../services/StateStore.js"
import type { SyncLedger } from "../../services/SyncLedger.js"
import { Warehouse } from "../../services/Warehouse.js"
import * as Extract from "../stages/Extract.js"
import type * as Transform from "../stages/Transform.js"
import { replayWrite } from "./AuditTrail.js"
import { weekFromCheckpoint } from "./Checkpoint.js"
import { dryRunWeek } from "./DryRun.js"
import { replayPendingUpdates } from "./PendingQueue.js"
import type { RunContext } from "./RunContext.js"
import type { RunOptions } from "./RunOptions.js"
import { runStages, type StageOutputs } from "./RunStages.js"
import type { StageReport } from "./StageRunner.js"
import { skipDoneWeek } from "./WeekCompletion.js"
import { lakeUseOf, removeAbandonedTempsOfWeek, requireSidecar, weekDone } from "./WeekFiles.js"
import { airflowRunTag, noWeek, weekSourceOf } from "./WeekSource.js"

/** Everything a run talks to. */
export type PipelineServices =
  | EventsApi
  | Lake
  | Warehouse
  | ScratchWarehouse
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
  readonly validation: Option.Option<Transform.Validation>
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
    if (source === "checkpoint") return yield* weekFromCheckpoint()
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
    const ctx: RunContext = {
      runId: newRunId,
      runTag,
      correlationId: yield* currentCorrelationId,
      week,
      paths: weekPaths(settings.locations, week),
      options,
      lake: lakeUseOf(options),
      stopBetweenStages: behaviour.stopBetweenStages ?? false,
    }
    return ctx
  })

/** A `--stage` run after extract joins the run its extract started. */
const joinRun = (ctx: RunContext) =>
  ctx.options.stage === "full" || ctx.options.stage === "extract"
    ? Effect.succeed(ctx)
    : Effect.map(requireSidecar(ctx, Extract), (extract): RunContext => ({ ...ctx, runId: extract.runId }))

/** A week already done: nothing runs again unless `--force`; missing lake copies are put back. */
const skipWeek = (ctx: RunContext) =>
  Effect.map(
    skipDoneWeek(ctx),
    ({ lakeCopiesRedone, nextWeek }): RunOutcome => ({
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
    }),
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
  yield* replayPendingUpdates(replayWrite)
})

/**
 * One week through the pipeline, or one stage of it: the week resolved, skipped when it is
 * already done (unless `--force`), the stages run, the run row finished, the checkpoint advanced
 * and the intermediate files removed. Expects `preparePipeline` to have run.
 */
export const runWeekOf: (
  options: RunOptions,
  behaviour?: RunBehaviour,
) => Effect.Effect<RunOutcome, PipelineError, PipelineServices> = Effect.fn("run")(function* (
  options: RunOptions,
  behaviour: RunBehaviour = {},
) {
  yield* Effect.annotateCurrentSpan("stage", options.stage)
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
})

/** `reverse-etl run`: prepare, then one week; a dry run prepares nothing (no migration, no replay: no write). */
export const runPipeline = (options: RunOptions): Effect.Effect<RunOutcome, PipelineError, PipelineServices> =>
  options.dryRun ? runWeekOf(options) : Effect.zipRight(preparePipeline, runWeekOf(options))
