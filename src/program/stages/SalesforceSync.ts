import type { FileSystem } from "@effect/platform"
import { Duration, Effect, Option, Stream } from "effect"
import { MAX_JOB_CSV_BYTES } from "../../codecs/SalesforceCsv.js"
import {
  type AuthenticationError,
  ConfigurationError,
  type LocalStorageError,
  SalesforceSyncError,
  type WarehouseError,
} from "../../domain/Errors.js"
import type { Week } from "../../domain/Week.js"
import { AppConfig } from "../../services/AppConfig.js"
import { Crm, salesforceLogin } from "../../services/Crm.js"
import { operation } from "../../services/Operation.js"
import { SyncLedger } from "../../services/SyncLedger.js"
import { Warehouse } from "../../services/Warehouse.js"
import { writeDryRun } from "../sync/SyncDryRun.js"
import { addTally, type ErrorSample, emptyTally, type JobContext, reattachJob, submitJob } from "../sync/SyncJobs.js"
import { loadFieldMapping } from "../sync/SyncMapping.js"
import { PlanTally, planJobs } from "../sync/SyncPlan.js"

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

export interface SyncResult {
  readonly skipped: boolean
  readonly reason?: string
  /** Rows uploaded (including those of jobs an earlier run left and this one collected). */
  readonly sent: number
  readonly created: number
  readonly updated: number
  readonly failed: number
  readonly unchanged: number
  readonly newRows: number
  readonly changedRows: number
  readonly jobs: number
  readonly reattachedJobs: number
  readonly errorSamples: ReadonlyArray<ErrorSample>
  /** The CSVs a dry run wrote. */
  readonly csvFiles: ReadonlyArray<string>
}

export type SyncError =
  | SalesforceSyncError
  | AuthenticationError
  | WarehouseError
  | ConfigurationError
  | LocalStorageError

const skipped = (reason: string): SyncResult => ({
  skipped: true,
  reason,
  sent: 0,
  created: 0,
  updated: 0,
  failed: 0,
  unchanged: 0,
  newRows: 0,
  changedRows: 0,
  jobs: 0,
  reattachedJobs: 0,
  errorSamples: [],
  csvFiles: [],
})

const NO_CREDENTIALS =
  "no Salesforce credentials: set SF_USERNAME and SF_PASSWORD (and SF_SECURITY_TOKEN), or SF_INSTANCE_URL and SF_ACCESS_TOKEN"

const samplesForLog = (samples: ReadonlyArray<ErrorSample>) =>
  samples.map((s) => ({ external_id: s.externalId, error_code: s.errorCode, error_message: s.errorMessage }))

/**
 * The salesforce-sync stage: the week's rows of the export view, mapped to the object's fields,
 * and only those whose content changed since their last successful sync upserted with Bulk API
 * 2.0. Jobs an earlier run left unfinished are collected first. Fails when more than
 * SF_MAX_ERROR_RATE_PCT of the rows failed; failed rows are sent again by the next run.
 */
export const salesforceSync = (
  week: Week,
  options: SyncOptions,
): Effect.Effect<SyncResult, SyncError, Crm | SyncLedger | Warehouse | AppConfig | FileSystem.FileSystem> =>
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

    if (options.dryRun) {
      const unfinished = yield* (yield* SyncLedger).unfinishedJobs(settings.objectName)
      if (unfinished.length > 0) {
        yield* Effect.logWarning("unfinished Bulk jobs are collected by the next real run, not by a dry run").pipe(
          Effect.annotateLogs({
            job_ids: unfinished.map((j) => j.jobId),
          }),
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
      }
    }

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
    let total = emptyTally
    for (const job of unfinished) total = addTally(total, yield* reattachJob(job, ctx))
    const reattachedJobs = unfinished.length
    total = yield* Stream.runFoldEffect(jobs, total, (sum, payload) =>
      Effect.map(submitJob(payload, ctx), (t) => {
        const next = addTally(sum, t)
        options.onProgress?.({ jobs: next.jobs, sent: next.sent })
        return next
      }),
    )

    const result: SyncResult = {
      skipped: false,
      sent: total.sent,
      created: total.created,
      updated: total.updated,
      failed: total.failed,
      unchanged: tally.unchangedRows,
      newRows: tally.newRows,
      changedRows: tally.changedRows,
      jobs: total.jobs,
      reattachedJobs,
      errorSamples: total.errorSamples,
      csvFiles: [],
    }
    const errorRatePct = total.sent === 0 ? 0 : (total.failed / total.sent) * 100
    yield* Effect.logInfo("Salesforce sync complete").pipe(
      Effect.annotateLogs({
        success_count: total.created + total.updated,
        failed_count: total.failed,
        unchanged_count: tally.unchangedRows,
        created_count: total.created,
        updated_count: total.updated,
        new_count: tally.newRows,
        changed_count: tally.changedRows,
        duplicate_count: tally.duplicateRows,
        jobs: total.jobs,
        reattached_jobs: reattachedJobs,
        error_rate_pct: errorRatePct,
      }),
    )
    if (errorRatePct > settings.maxErrorRatePct) {
      const samples = samplesForLog(total.errorSamples)
      yield* Effect.logError("Salesforce rows failed").pipe(Effect.annotateLogs({ error_samples: samples }))
      return yield* new SalesforceSyncError({
        message: `${total.failed} of ${total.sent} rows failed (${errorRatePct.toFixed(2)}%), more than SF_MAX_ERROR_RATE_PCT ${settings.maxErrorRatePct}%`,
        details: {
          failed: total.failed,
          sent: total.sent,
          errorRatePct,
          maxErrorRatePct: settings.maxErrorRatePct,
          samples,
        },
      })
    }
    if (total.failed > 0) {
      yield* Effect.logWarning("Salesforce rows failed; they are sent again next run").pipe(
        Effect.annotateLogs({
          error_samples: samplesForLog(total.errorSamples),
        }),
      )
    }
    return result
  }).pipe(operation("salesforce-sync", { week_start: week.start, week_end: week.end, run_id: options.runId }))
