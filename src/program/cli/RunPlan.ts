import { Console, Effect, Option } from "effect"
import type { ConfigurationError } from "../../domain/Errors.js"
import { AppConfig } from "../../services/AppConfig.js"
import type { RunOptions } from "../pipeline/RunOptions.js"
import { airflowRunTag, type WeekSource, weekSourceOf } from "../pipeline/WeekSource.js"

/** What `run` would do, as `--validate-only` prints it: one JSON object on one line. */
export interface RunPlan {
  readonly validate_only: true
  readonly stage: RunOptions["stage"]
  readonly week_source: WeekSource
  /** Null when the checkpoint names the week: that needs the warehouse, which a plan never opens. */
  readonly week_start: string | null
  readonly week_end: string | null
  readonly local_only: boolean
  readonly dry_run: boolean
  readonly force: boolean
  readonly advance_on_skip: boolean
  /** The sidecar tag from AIRFLOW_CTX_DAG_RUN_ID; null when a run would make a fresh one. */
  readonly run_tag: string | null
  readonly lake: "local" | "adls"
  readonly warehouse: "sqlite" | "mssql"
  readonly salesforce_login: boolean
}

/** Resolves what `run` was asked to do against the settings, without touching any outside system. */
export const makeRunPlan = (run: RunOptions): Effect.Effect<RunPlan, ConfigurationError, AppConfig> =>
  Effect.gen(function* () {
    const settings = yield* AppConfig
    const { source, week } = yield* weekSourceOf(run, settings.week)
    const runTag = yield* airflowRunTag
    return {
      validate_only: true,
      stage: run.stage,
      week_source: source,
      week_start: Option.match(week, { onNone: () => null, onSome: (w) => w.start }),
      week_end: Option.match(week, { onNone: () => null, onSome: (w) => w.end }),
      local_only: run.localOnly,
      dry_run: run.dryRun,
      force: run.force,
      advance_on_skip: run.advanceOnSkip,
      run_tag: Option.getOrNull(runTag),
      lake: settings.lake.kind,
      warehouse: settings.warehouse.kind,
      salesforce_login: Option.isSome(settings.salesforce.username),
    } satisfies RunPlan
  }).pipe(Effect.withSpan("run.plan", { attributes: { stage: run.stage } }))

/** `run --validate-only`: the plan on stdout, exit 0; a broken flag or setting fails as any run would. */
export const printRunPlan = (run: RunOptions): Effect.Effect<void, ConfigurationError, AppConfig> =>
  Effect.flatMap(makeRunPlan(run), (plan) => Console.log(JSON.stringify(plan)))
