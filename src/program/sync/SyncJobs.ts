import { Data, Effect, Option, Schedule } from "effect"
import { SalesforceSyncError, type WarehouseError } from "../../domain/Errors.js"
import { type BulkJob, isFinished, type RowResult } from "../../domain/SalesforceResults.js"
import type { Week } from "../../domain/Week.js"
import { Crm, type CrmError, crmRetry } from "../../services/Crm.js"
import { type JobRow, type LedgerJob, type LedgerJobState, SyncLedger } from "../../services/SyncLedger.js"
import { awaitJob, type PollOptions } from "./JobPolling.js"
import type { JobPayload } from "./SyncPlan.js"

export interface ErrorSample {
  readonly externalId: string
  readonly errorCode: string | null
  readonly errorMessage: string | null
}

/** What the jobs of a run did to their rows. */
export interface JobTally {
  readonly jobs: number
  readonly sent: number
  readonly created: number
  readonly updated: number
  readonly failed: number
  readonly errorSamples: ReadonlyArray<ErrorSample>
}

export const emptyTally: JobTally = { jobs: 0, sent: 0, created: 0, updated: 0, failed: 0, errorSamples: [] }

const SAMPLES = 5

/** What `jobs` requests did to their rows, from the rows' results (a row without one counts as failed). */
export const tallyOf = (results: ReadonlyArray<RowResult>, jobs: number): JobTally => {
  const failures = results.filter((r) => r.outcome === "failed" || r.outcome === "unprocessed")
  return {
    jobs,
    sent: results.length,
    created: results.filter((r) => r.outcome === "created").length,
    updated: results.filter((r) => r.outcome === "updated").length,
    failed: failures.length,
    errorSamples: failures
      .slice(0, SAMPLES)
      .map((r) => ({ externalId: r.externalId, errorCode: r.errorCode, errorMessage: r.errorMessage })),
  }
}

export const addTally = (a: JobTally, b: JobTally): JobTally => ({
  jobs: a.jobs + b.jobs,
  sent: a.sent + b.sent,
  created: a.created + b.created,
  updated: a.updated + b.updated,
  failed: a.failed + b.failed,
  errorSamples: [...a.errorSamples, ...b.errorSamples].slice(0, SAMPLES),
})

export interface JobContext {
  readonly runId: string
  readonly week: Week
  readonly objectName: string
  readonly externalIdField: string
  readonly poll: PollOptions
}

/** Each row of the job with its result; a row Salesforce said nothing about counts as unprocessed. */
const matchResults = (rows: ReadonlyArray<JobRow>, results: ReadonlyArray<RowResult>, jobError: string | null) => {
  const byId = new Map(results.map((r) => [r.externalId, r]))
  return rows.map((row) => {
    const result = byId.get(row.externalId)
    if (result !== undefined && result.outcome !== "unprocessed") return { ...result, contentHash: row.contentHash }
    return {
      externalId: row.externalId,
      salesforceId: null,
      outcome: "unprocessed" as const,
      errorCode: "NOT_PROCESSED",
      errorMessage: jobError ?? "Salesforce returned no result for this row",
      contentHash: row.contentHash,
    }
  })
}

/** Stores a job's outcome for every row of it and counts what happened. */
const collect = (
  jobId: string,
  ctx: JobContext,
  state: LedgerJobState,
  jobError: string | null,
  results: ReadonlyArray<RowResult>,
): Effect.Effect<JobTally, WarehouseError, SyncLedger> =>
  Effect.gen(function* () {
    const ledger = yield* SyncLedger
    const rows = yield* ledger.jobRows(jobId)
    const matched = matchResults(rows, results, jobError)
    yield* ledger.collectJob({ jobId, runId: ctx.runId, state, errorMessage: jobError, results: matched })
    return tallyOf(matched, 1)
  })

/**
 * Waits for a closed job and collects its results. A poll timeout leaves the job running in
 * Salesforce and in the ledger, and fails: the next run picks it up instead of sending again.
 */
const finish = (
  jobId: string,
  ctx: JobContext,
  known: Option.Option<BulkJob> = Option.none(),
): Effect.Effect<JobTally, CrmError | WarehouseError, Crm | SyncLedger> =>
  Effect.gen(function* () {
    const crm = yield* Crm
    const ledger = yield* SyncLedger
    const finished = Option.filter(known, (job) => isFinished(job.state))
    const done = Option.isSome(finished) ? finished : yield* awaitJob(crm, jobId, ctx.poll)
    if (Option.isNone(done)) {
      yield* ledger.updateJobState(jobId, "InProgress")
      return yield* new SalesforceSyncError({
        message: `Bulk job ${jobId} was not finished when polling gave up; it keeps running in Salesforce and the next run collects its results`,
        details: { jobId, operation: "poll", retryable: false },
      })
    }
    const job: BulkJob = done.value
    const results = yield* crm.jobResults(jobId, ctx.externalIdField)
    return yield* collect(jobId, ctx, job.state, job.errorMessage, results)
  }).pipe(Effect.annotateLogs({ job_id: jobId }))

/** Closes a job Salesforce never started on: its rows are recorded unprocessed and go again next time. */
const abandon = (jobId: string, ctx: JobContext, state: LedgerJobState, reason: string) =>
  Effect.gen(function* () {
    const crm = yield* Crm
    if (state === "Aborted") {
      yield* crm
        .abortJob(jobId)
        .pipe(
          Effect.catchAll((error) =>
            Effect.logWarning("could not abort Bulk job").pipe(
              Effect.annotateLogs({ job_id: jobId, error: error.message }),
            ),
          ),
        )
    }
    return yield* collect(jobId, ctx, state, reason, [])
  })

/** An upload that failed, its job aborted: the rows may go again in a new job. */
class UploadFailed extends Data.TaggedError("UploadFailed")<{ readonly error: CrmError }> {}

/**
 * `uploadCsv` is never retried in place, so after a transient upload failure the rows go again in
 * a new job, on `crmRetry`'s waits. Any other failure was retried inside the Crm layer already.
 */
const resendAfterFailedUpload = crmRetry.pipe(
  Schedule.mapInput((error: CrmError | WarehouseError | UploadFailed) =>
    error._tag === "UploadFailed" ? error.error : undefined,
  ),
)

/**
 * One job, step by step: create it, record it in the ledger before any data goes up, upload the
 * CSV once, mark the upload complete, wait, collect. A failed upload aborts the job (its rows stay
 * unsynced); a transient one sends the rows again in a new job.
 */
export const submitJob = (
  payload: JobPayload,
  ctx: JobContext,
): Effect.Effect<JobTally, CrmError | WarehouseError, Crm | SyncLedger> =>
  Effect.gen(function* () {
    const crm = yield* Crm
    const ledger = yield* SyncLedger
    const send = Effect.gen(function* () {
      const job = yield* crm.createUpsertJob({ object: ctx.objectName, externalIdField: ctx.externalIdField })
      yield* ledger.recordJob({
        jobId: job.id,
        runId: ctx.runId,
        week: ctx.week,
        objectName: ctx.objectName,
        rows: payload.rows,
      })
      yield* Effect.logInfo("Bulk job created").pipe(
        Effect.annotateLogs({ job_id: job.id, records: payload.rows.length }),
      )
      const uploaded = yield* Effect.either(crm.uploadCsv(job.id, payload.csv))
      if (uploaded._tag === "Left") {
        yield* abandon(job.id, ctx, "Aborted", `upload failed: ${uploaded.left.message}`)
        return yield* new UploadFailed({ error: uploaded.left })
      }
      return job.id
    })
    const jobId = yield* send.pipe(
      Effect.retry(resendAfterFailedUpload),
      Effect.catchTag("UploadFailed", ({ error }) => Effect.fail(error)),
    )
    yield* crm.closeJob(jobId)
    yield* ledger.updateJobState(jobId, "UploadComplete")
    return yield* finish(jobId, ctx)
  })

/**
 * Picks up a job an earlier run left unfinished: collects it when Salesforce is done, else waits
 * for it. Only the rows it synced count for this run: the others are unsynced again, so this
 * run's plan sends them (and counts them) once more.
 */
export const reattachJob = (
  job: LedgerJob,
  ctx: JobContext,
): Effect.Effect<JobTally, CrmError | WarehouseError, Crm | SyncLedger> =>
  Effect.gen(function* () {
    const crm = yield* Crm
    yield* Effect.logInfo("reattaching to unfinished Bulk job").pipe(
      Effect.annotateLogs({
        job_id: job.jobId,
        ledger_state: job.state,
        started_by_run: job.runId,
        records: job.recordCount,
      }),
    )
    const info = yield* crm.jobInfo(job.jobId)
    const tally = Option.isNone(info)
      ? yield* abandon(job.jobId, ctx, "Lost", "Salesforce no longer knows this job")
      : info.value.state === "Open"
        ? yield* abandon(job.jobId, ctx, "Aborted", "the upload of this job never completed")
        : yield* finish(job.jobId, ctx, info)
    yield* Effect.logInfo("unfinished Bulk job collected").pipe(
      Effect.annotateLogs({
        job_id: job.jobId,
        synced_count: tally.created + tally.updated,
        unsynced_count: tally.failed,
      }),
    )
    return { ...tally, sent: tally.created + tally.updated, failed: 0, errorSamples: [] }
  })
