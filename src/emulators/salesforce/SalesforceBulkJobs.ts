import { SalesforceBatchScheduler } from "./SalesforceBatchScheduler.js"
import { type ParsedCsv, parseUpload, resultCsv } from "./SalesforceCsv.js"
import { idGenerator } from "./SalesforceIds.js"
import { SalesforceOrgLimits } from "./SalesforceOrgLimits.js"
import type { SalesforceStore } from "./SalesforceStore.js"

export type JobState = "Open" | "UploadComplete" | "InProgress" | "JobComplete" | "Failed" | "Aborted"
export type ResultKind = "successfulResults" | "failedResults" | "unprocessedrecords"

/** An error as the REST API answers it: an HTTP status and `[{errorCode, message}]`. */
export class ApiFault {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    readonly message: string,
  ) {}
}

interface IngestJob {
  readonly id: string
  readonly object: string
  readonly externalIdFieldName: string
  readonly createdDate: string
  state: JobState
  systemModstamp: string
  data: { readonly csv: ParsedCsv } | { readonly error: string } | undefined
  pollsLeft: number
  processed: number
  failed: number
  errorMessage: string | undefined
  results: Record<ResultKind, string> | undefined
}

const timestamp = (ms: number) => new Date(ms).toISOString().replace("Z", "+0000")
/** Salesforce cuts an ingest job's data into internal batches of this many records. */
export const BATCH_ROWS = 10_000
/** The internal batches a job's data needs: ⌈rows / 10,000⌉, at least one for an uploaded file. */
export const batchesFor = (rows: number): number => Math.max(1, Math.ceil(rows / BATCH_ROWS))
/** The rows of each internal batch of a job of `rows` rows. */
const batchRows = (rows: number): Array<number> =>
  Array.from({ length: batchesFor(rows) }, (_, i) => Math.min(BATCH_ROWS, rows - i * BATCH_ROWS))
const TERMINAL: ReadonlyArray<JobState> = ["JobComplete", "Failed", "Aborted"]

/**
 * Bulk API 2.0 ingest jobs: Open → (one upload) → UploadComplete → InProgress while the org's
 * scheduler runs the job's batches (and for a configurable number of polls) → JobComplete, the
 * rows applied to the store only then (Salesforce commits batch by batch; holding them to the end
 * keeps a job that never finished out of the store). The same external id
 * twice in one job fails both rows with DUPLICATE_VALUE and writes neither.
 */
export class SalesforceBulkJobs {
  private readonly jobs = new Map<string, IngestJob>()
  private readonly nextId = idGenerator("750")
  /** How many status checks a closed job answers `InProgress` before it completes. */
  inProgressPolls = 1
  /** When set, the next job to be processed fails as a whole with this message, none of its rows written. */
  failNextJob: string | undefined

  constructor(
    private readonly store: SalesforceStore,
    private readonly apiVersion: string,
    private readonly limits: SalesforceOrgLimits = new SalesforceOrgLimits(),
    private readonly scheduler = new SalesforceBatchScheduler({ parallelBatches: 4, batchMs: 0 }),
  ) {}

  create(body: unknown): Record<string, unknown> | ApiFault {
    const spec = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>
    if (spec.operation !== "upsert") {
      return new ApiFault(400, "INVALIDJOB", `InvalidJob : operation ${String(spec.operation)} is not supported`)
    }
    if (typeof spec.object !== "string" || spec.object === "") {
      return new ApiFault(400, "INVALIDJOB", "InvalidJob : object is required")
    }
    if (typeof spec.externalIdFieldName !== "string" || spec.externalIdFieldName === "") {
      return new ApiFault(400, "INVALIDJOB", "InvalidJob : External ID was blank for upsert")
    }
    if ((spec.contentType ?? "CSV") !== "CSV" || (spec.lineEnding ?? "LF") !== "LF") {
      return new ApiFault(400, "INVALIDJOB", "InvalidJob : only CSV with LF line endings is supported")
    }
    const created = timestamp(this.scheduler.clock())
    const job: IngestJob = {
      id: this.nextId(),
      object: spec.object,
      externalIdFieldName: spec.externalIdFieldName,
      createdDate: created,
      systemModstamp: created,
      state: "Open",
      data: undefined,
      pollsLeft: 0,
      processed: 0,
      failed: 0,
      errorMessage: undefined,
      results: undefined,
    }
    this.jobs.set(job.id, job)
    return this.describe(job)
  }

  /** Takes a job's one upload; answers the external ids it carries (for the request log). */
  upload(id: string, text: string): ReadonlyArray<string> | ApiFault {
    const job = this.jobs.get(id)
    if (job === undefined) return notFound()
    if (job.state !== "Open") return new ApiFault(409, "INVALIDJOBSTATE", `Job is in state ${job.state}, not Open`)
    if (job.data !== undefined) {
      return new ApiFault(409, "INVALIDJOBSTATE", "Data has already been uploaded to this job")
    }
    job.data = parseUpload(text)
    if (!("csv" in job.data)) return []
    const column = job.data.csv.header.indexOf(job.externalIdFieldName)
    return column < 0 ? [] : job.data.csv.rows.map((row) => row[column] ?? "")
  }

  patch(id: string, body: unknown): Record<string, unknown> | ApiFault {
    const job = this.jobs.get(id)
    if (job === undefined) return notFound()
    const state = (body as { state?: unknown } | null)?.state
    if (state === "UploadComplete") {
      if (job.state !== "Open") return new ApiFault(409, "INVALIDJOBSTATE", `Job is in state ${job.state}, not Open`)
      this.transition(job, "UploadComplete")
      job.pollsLeft = this.inProgressPolls
      const answer = this.describe(job)
      const overQuota = this.spendBatches(job)
      if (overQuota !== undefined) this.fail(job, overQuota)
      else if (job.data !== undefined && "csv" in job.data) {
        this.scheduler.enqueue(job.id, batchRows(job.data.csv.rows.length))
      }
      return answer
    } else if (state === "Aborted") {
      if (TERMINAL.includes(job.state)) {
        return new ApiFault(409, "INVALIDJOBSTATE", `Job is in state ${job.state} and cannot be aborted`)
      }
      this.transition(job, "Aborted")
      this.scheduler.cancel(job.id)
    } else {
      return new ApiFault(400, "INVALIDJOBSTATE", `Cannot change the state of a job to ${String(state)}`)
    }
    return this.describe(job)
  }

  /**
   * A status check. A closed job is `UploadComplete` until its first batch starts, then
   * `InProgress` (its finished batches' rows counted as processed) until its last batch has ended
   * and it has answered `InProgress` its `inProgressPolls` times; then it is processed.
   */
  info(id: string): Record<string, unknown> | ApiFault {
    const job = this.jobs.get(id)
    if (job === undefined) return notFound()
    if (job.state === "UploadComplete" || job.state === "InProgress") {
      const progress = this.scheduler.jobProgress(job.id)
      job.processed = progress.rowsDone
      if (job.pollsLeft > 0) {
        job.pollsLeft -= 1
        this.transition(job, "InProgress")
      } else if (progress.pending === 0) {
        this.process(job)
      } else if (progress.started && job.state !== "InProgress") {
        this.transition(job, "InProgress")
      }
    }
    return this.describe(job)
  }

  results(id: string, kind: ResultKind): string | ApiFault {
    const job = this.jobs.get(id)
    if (job === undefined) return notFound()
    if (job.results === undefined) {
      return new ApiFault(409, "INVALIDJOBSTATE", `Job is in state ${job.state}: results are not available yet`)
    }
    return job.results[kind]
  }

  remove(id: string): ApiFault | undefined {
    this.scheduler.cancel(id)
    return this.jobs.delete(id) ? undefined : notFound()
  }

  /** Lets every closed job complete at its next status check: its polls spent, its batches ended now. */
  finishAll(): void {
    for (const job of this.jobs.values()) job.pollsLeft = 0
    this.scheduler.finishAll()
  }

  state(id: string): JobState | undefined {
    return this.jobs.get(id)?.state
  }

  /**
   * Spends the batches a closed job needs from the org's daily allocation, or answers why the job
   * fails: Salesforce fails a job it cannot run with EXCEEDED_QUOTA, and spends nothing on it.
   */
  private spendBatches(job: IngestJob): string | undefined {
    if (job.data === undefined || !("csv" in job.data)) return undefined
    const needed = batchesFor(job.data.csv.rows.length)
    const remaining = this.limits.batchesRemaining
    if (needed > remaining) {
      return `EXCEEDED_QUOTA: daily Bulk API batch allocation spent (DailyBulkApiBatches Max ${this.limits.allocation.dailyBatches}, Remaining ${remaining}); this job needs ${needed}`
    }
    this.limits.bulkBatches += needed
    return undefined
  }

  private transition(job: IngestJob, state: JobState) {
    job.state = state
    job.systemModstamp = timestamp(this.scheduler.clock())
  }

  private process(job: IngestJob) {
    if (this.failNextJob !== undefined) {
      const message = this.failNextJob
      this.failNextJob = undefined
      return this.fail(job, message)
    }
    const parsed = job.data ?? { error: "InvalidBatch : Unable to parse CSV: no data was uploaded" }
    if ("error" in parsed) return this.fail(job, parsed.error)
    const { header, rows } = parsed.csv
    const keyColumn = header.indexOf(job.externalIdFieldName)
    if (keyColumn < 0) return this.fail(job, `InvalidBatch : Field name not found : ${job.externalIdFieldName}`)
    const seen = new Map<string, number>()
    for (const row of rows) seen.set(row[keyColumn] ?? "", (seen.get(row[keyColumn] ?? "") ?? 0) + 1)
    const successful: Array<Array<string>> = []
    const failed: Array<Array<string>> = []
    for (const row of rows) {
      const key = row[keyColumn] ?? ""
      if (key !== "" && (seen.get(key) ?? 0) > 1) {
        failed.push(["", `DUPLICATE_VALUE:Duplicate external id specified: ${key}:--`, ...row])
        continue
      }
      const record = Object.fromEntries(header.map((name, i) => [name, row[i] ?? ""]))
      const outcome = this.store.upsert(job.object, job.externalIdFieldName, record)
      if (outcome.ok) successful.push([outcome.id, String(outcome.created), ...row])
      else failed.push([outcome.id, outcome.error, ...row])
    }
    // Salesforce does not keep upload order in its result files: clients must match on a key.
    successful.reverse()
    job.results = {
      successfulResults: resultCsv(["sf__Id", "sf__Created", ...header], successful),
      failedResults: resultCsv(["sf__Id", "sf__Error", ...header], failed),
      unprocessedrecords: resultCsv(header, []),
    }
    job.processed = rows.length
    job.failed = failed.length
    job.data = undefined
    this.transition(job, "JobComplete")
  }

  private fail(job: IngestJob, message: string) {
    const parsed = job.data
    const unprocessed = parsed !== undefined && "csv" in parsed ? resultCsv(parsed.csv.header, parsed.csv.rows) : ""
    job.results = { successfulResults: "", failedResults: "", unprocessedrecords: unprocessed }
    job.errorMessage = message
    job.data = undefined
    this.transition(job, "Failed")
  }

  private describe(job: IngestJob): Record<string, unknown> {
    return {
      id: job.id,
      operation: "upsert",
      object: job.object,
      createdById: "0055g00000EMULATR",
      createdDate: job.createdDate,
      systemModstamp: job.systemModstamp,
      state: job.state,
      externalIdFieldName: job.externalIdFieldName,
      concurrencyMode: "Parallel",
      contentType: "CSV",
      apiVersion: Number(this.apiVersion),
      jobType: "V2Ingest",
      lineEnding: "LF",
      columnDelimiter: "COMMA",
      numberRecordsProcessed: job.processed,
      numberRecordsFailed: job.failed,
      retries: 0,
      totalProcessingTime: 0,
      ...(job.errorMessage === undefined ? {} : { errorMessage: job.errorMessage }),
    }
  }
}

const notFound = () => new ApiFault(404, "NOT_FOUND", "The requested resource does not exist")
