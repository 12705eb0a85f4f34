import type { FileSystem } from "@effect/platform"
import { Duration, Effect, Option, Schema, type Stream } from "effect"
import { MAX_JOB_CSV_BYTES } from "../../codecs/SalesforceCsv.js"
import {
  type AuthenticationError,
  ConfigurationError,
  type LocalStorageError,
  SalesforceSyncError,
  type WarehouseError,
} from "../../domain/Errors.js"
import { exceedsPct } from "../../domain/ExactRate.js"
import type { StageName } from "../../domain/RunStatus.js"
import type { Week } from "../../domain/Week.js"
import { AppConfig, type SalesforceSettings } from "../../services/AppConfig.js"
import { Crm, salesforceLogin } from "../../services/Crm.js"
import { SyncLedger } from "../../services/SyncLedger.js"
import { Warehouse } from "../../services/Warehouse.js"
import type { RunContext } from "../pipeline/RunContext.js"
import { withProgress } from "../pipeline/StageProgress.js"
import type { WeekFile } from "../pipeline/WeekFiles.js"
import { reattachJobs, submitJobs } from "../sync/JobsInFlight.js"
import { writeDryRun } from "../sync/SyncDryRun.js"
import { addTally, type ErrorSample, type JobContext } from "../sync/SyncJobs.js"
import { loadFieldMapping } from "../sync/SyncMapping.js"
import { type JobPayload, PlanTally, planJobs } from "../sync/SyncPlan.js"
import { sendChanges } from "../sync/SyncRoute.js"

export const name = "salesforce-sync" satisfies StageName

/** What the sync did with the week's customers. */
export const Output = Schema.Struct({
  skipped: Schema.Boolean,
  reason: Schema.NullOr(Schema.String),
  /** Rows uploaded (including those of jobs an earlier run left and this one collected). */
  sent: Schema.Number,
  created: Schema.Number,
  updated: Schema.Number,
  failed: Schema.Number,
  unchanged: Schema.Number,
  jobs: Schema.Number,
  newRows: Schema.Number,
  changedRows: Schema.Number,
  reattachedJobs: Schema.Number,
  errorSamples: Schema.Array(
    Schema.Struct({
      externalId: Schema.String,
      errorCode: Schema.NullOr(Schema.String),
      errorMessage: Schema.NullOr(Schema.String),
    }),
  ),
  /** The CSVs a dry run wrote. */
  csvFiles: Schema.Array(Schema.String),
})
export type Output = typeof Output.Type

export const writes: ReadonlyArray<WeekFile> = []

export const rowCounts = (output: Output) => [output.sent + output.unchanged, output.created + output.updated] as const

export interface SyncOptions {
  readonly runId: string
  readonly dryRun: boolean
  readonly fullResync: boolean
  readonly requireSalesforce: boolean
  /** Where a dry run writes its CSVs (under `salesforce_dry_run/`). */
  readonly outputDir: string
  /** Called after each job, with the jobs and rows done so far: for a progress display. */
  readonly onProgress?: (progress: { readonly jobs: number; readonly sent: number }) => void
}

export type SyncError =
  | SalesforceSyncError
  | AuthenticationError
  | WarehouseError
  | ConfigurationError
  | LocalStorageError

const skipped = (reason: string): Output => ({
  skipped: true,
  reason,
  sent: 0,
  created: 0,
  updated: 0,
  failed: 0,
  unchanged: 0,
  jobs: 0,
  newRows: 0,
  changedRows: 0,
  reattachedJobs: 0,
  errorSamples: [],
  csvFiles: [],
})

const NO_CREDENTIALS =
  "no Salesforce credentials: set SF_USERNAME and SF_PASSWORD (and SF_SECURITY_TOKEN), or SF_INSTANCE_URL and SF_ACCESS_TOKEN"

const samplesForLog = (samples: ReadonlyArray<ErrorSample>) =>
  samples.map((s) => ({ external_id: s.externalId, error_code: s.errorCode, error_message: s.errorMessage }))

type Jobs = Stream.Stream<JobPayload, SalesforceSyncError | WarehouseError, SyncLedger>

/** A dry run writes the CSVs it would upload, and sends nothing; unfinished jobs wait for a real run. */
const dryRun = (jobs: Jobs, tally: PlanTally, week: Week, settings: SalesforceSettings, options: SyncOptions) =>
  Effect.gen(function* () {
    const unfinished = yield* (yield* SyncLedger).unfinishedJobs(settings.objectName)
    if (unfinished.length > 0) {
      yield* Effect.logWarning("unfinished Bulk jobs are collected by the next real run, not by a dry run").pipe(
        Effect.annotateLogs({ job_ids: unfinished.map((j) => j.jobId) }),
      )
    }
    const output = yield* writeDryRun(jobs, tally, {
      outputDir: options.outputDir,
      week,
      objectName: settings.objectName,
    })
    yield* Effect.logInfo("Salesforce dry run complete").pipe(
      Effect.annotateLogs({
        new_count: tally.newRows,
        changed_count: tally.changedRows,
        unchanged_count: tally.unchangedRows,
        rows_to_send: output.rows,
        files: output.files,
      }),
    )
    return {
      ...skipped("dry run: nothing was sent to Salesforce"),
      unchanged: tally.unchangedRows,
      newRows: tally.newRows,
      changedRows: tally.changedRows,
      jobs: output.files.length,
      csvFiles: output.files,
    } satisfies Output
  })

/**
 * Collects the jobs an earlier run left, then sends this run's, SF_MAX_CONCURRENT_JOBS in flight at
 * once: the jobs' tally, with how many were reattached.
 */
const sendJobs = (jobs: Jobs, week: Week, settings: SalesforceSettings, options: SyncOptions) =>
  Effect.gen(function* () {
    const crm = yield* Crm
    const session = yield* crm.connect
    yield* Effect.logInfo("Salesforce connected").pipe(
      Effect.annotateLogs({ instance_url: session.instanceUrl, user_id: session.userId }),
    )
    const ctx: JobContext = {
      runId: options.runId,
      week,
      objectName: settings.objectName,
      externalIdField: settings.externalIdField,
      poll: {
        interval: Duration.seconds(settings.pollIntervalSeconds),
        timeout: Duration.seconds(settings.pollTimeoutSeconds),
      },
    }
    // Earlier jobs first: their rows' sync state must be known before this run decides what to send.
    const unfinished = yield* (yield* SyncLedger).unfinishedJobs(settings.objectName)
    const reattached = yield* reattachJobs(unfinished, ctx, settings.maxConcurrentJobs)
    const sent = yield* submitJobs(jobs, ctx, settings.maxConcurrentJobs, (sum) =>
      options.onProgress?.({ jobs: reattached.jobs + sum.jobs, sent: reattached.sent + sum.sent }),
    )
    const total = addTally(reattached, sent)
    return { total, reattachedJobs: unfinished.length }
  })

/** Logs what the sync did, and fails it when more than SF_MAX_ERROR_RATE_PCT of the rows failed. */
const judge = (result: Output, tally: PlanTally, settings: SalesforceSettings) =>
  Effect.gen(function* () {
    const errorRatePct = result.sent === 0 ? 0 : (result.failed / result.sent) * 100
    yield* Effect.logInfo("Salesforce sync complete").pipe(
      Effect.annotateLogs({
        success_count: result.created + result.updated,
        failed_count: result.failed,
        unchanged_count: result.unchanged,
        created_count: result.created,
        updated_count: result.updated,
        new_count: result.newRows,
        changed_count: result.changedRows,
        duplicate_count: tally.duplicateRows,
        jobs: result.jobs,
        reattached_jobs: result.reattachedJobs,
        error_rate_pct: errorRatePct,
      }),
    )
    const samples = samplesForLog(result.errorSamples)
    if (exceedsPct(result.failed, result.sent, settings.maxErrorRatePct)) {
      yield* Effect.logError("Salesforce rows failed").pipe(Effect.annotateLogs({ error_samples: samples }))
      return yield* new SalesforceSyncError({
        message: `${result.failed} of ${result.sent} rows failed (${errorRatePct.toFixed(2)}%), more than SF_MAX_ERROR_RATE_PCT ${settings.maxErrorRatePct}%`,
        details: {
          failed: result.failed,
          sent: result.sent,
          errorRatePct,
          maxErrorRatePct: settings.maxErrorRatePct,
          samples,
        },
      })
    }
    if (result.failed > 0) {
      yield* Effect.logWarning("Salesforce rows failed; they are sent again next run").pipe(
        Effect.annotateLogs({ error_samples: samples }),
      )
    }
  })

/**
 * The week's rows of the export view, mapped to the object's fields, and only those whose content
 * changed since their last successful sync upserted with Bulk API 2.0. Jobs an earlier run left
 * unfinished are collected first. Fails when more than SF_MAX_ERROR_RATE_PCT of the rows failed;
 * failed rows are sent again by the next run.
 */
export const salesforceSync = (
  week: Week,
  options: SyncOptions,
): Effect.Effect<Output, SyncError, Crm | SyncLedger | Warehouse | AppConfig | FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const settings = (yield* AppConfig).salesforce
    const login = yield* salesforceLogin(settings)
    const mapping = yield* loadFieldMapping(settings)
    const warehouse = yield* Warehouse
    const tally = new PlanTally()
    const jobs = planJobs(
      warehouse.exportRows(week),
      {
        mapping,
        objectName: settings.objectName,
        fullResync: options.fullResync,
        maxRecords: settings.batchSize,
        maxBytes: MAX_JOB_CSV_BYTES,
      },
      tally,
    )
    if (options.dryRun) return yield* dryRun(jobs, tally, week, settings, options)
    if (Option.isNone(login)) {
      if (options.requireSalesforce) {
        return yield* new ConfigurationError({
          message: `${NO_CREDENTIALS} (--require-salesforce was given)`,
          details: { setting: "SF_USERNAME", rule: "required by --require-salesforce" },
        })
      }
      yield* Effect.logWarning(`Salesforce sync skipped: ${NO_CREDENTIALS}`)
      return skipped(NO_CREDENTIALS)
    }
    // Preflight, then a small diff through sObject Collections, a large one through Bulk jobs.
    const { total, reattachedJobs } = yield* sendChanges({
      week,
      runId: options.runId,
      rows: warehouse.exportRows(week),
      mapping,
      settings,
      fullResync: options.fullResync,
      tally,
      bulk: sendJobs(jobs, week, settings, options),
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    })
    const result: Output = {
      skipped: false,
      reason: null,
      sent: total.sent,
      created: total.created,
      updated: total.updated,
      failed: total.failed,
      unchanged: tally.unchangedRows,
      jobs: total.jobs,
      newRows: tally.newRows,
      changedRows: tally.changedRows,
      reattachedJobs,
      errorSamples: total.errorSamples,
      csvFiles: [],
    }
    yield* judge(result, tally, settings)
    return result
  }).pipe(Effect.annotateLogs({ week_start: week.start, week_end: week.end, run_id: options.runId }))

/** The stage in a run: the run's week to Salesforce, or (`--dry-run`) only the CSVs it would send. */
export const run = (ctx: RunContext) => {
  const seen = { jobs: 0, sent: 0 }
  return salesforceSync(ctx.week, {
    runId: ctx.runId,
    dryRun: ctx.options.dryRun,
    fullResync: ctx.options.fullResync,
    requireSalesforce: ctx.options.requireSalesforce,
    outputDir: ctx.paths.localDir,
    onProgress: (p) => Object.assign(seen, p),
  }).pipe(withProgress(name, () => `${seen.jobs} jobs done, ${seen.sent.toLocaleString("en-US")} rows sent`))
}
