import type { FileSystem } from "@effect/platform"
import { Console, Effect, Option } from "effect"
import { ConfigurationError } from "../../domain/Errors.js"
import { AppConfig } from "../../services/AppConfig.js"
import { type Crm, type CrmError, salesforceLogin } from "../../services/Crm.js"
import type { RunOptions } from "../pipeline/RunOptions.js"
import { airflowRunTag, type WeekSource, weekSourceOf } from "../pipeline/WeekSource.js"
import { loadFieldMapping } from "../sync/SyncMapping.js"
import { checkObject } from "../sync/SyncPreflight.js"

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

/**
 * `run --validate-only --require-salesforce` of a run that would send to Salesforce also runs the
 * sync's preflight: log in, describe SF_OBJECT_NAME, hold it against the field mapping. Without
 * `--require-salesforce` a plan stays offline (the DAG's tests validate every command that way).
 */
export const preflightForPlan = (
  run: RunOptions,
): Effect.Effect<void, ConfigurationError | CrmError, AppConfig | Crm | FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const sends = run.stage === "full" || run.stage === "salesforce-sync"
    if (!run.requireSalesforce || !sends || run.localOnly || run.dryRun) return
    const settings = (yield* AppConfig).salesforce
    if (Option.isNone(yield* salesforceLogin(settings))) {
      return yield* new ConfigurationError({
        message:
          "no Salesforce credentials: set SF_USERNAME and SF_PASSWORD, or SF_INSTANCE_URL and SF_ACCESS_TOKEN (--require-salesforce was given)",
        details: { setting: "SF_USERNAME", rule: "required by --require-salesforce" },
      })
    }
    yield* checkObject(yield* loadFieldMapping(settings), settings)
  }).pipe(Effect.withSpan("run.preflight"))
