import { parse } from "csv-parse/sync"
import { Effect, Layer, Option } from "effect"
import { NULL_VALUE } from "../../codecs/SalesforceCsv.js"
import { columnKind, DEFAULT_FIELD_MAPPING, type MetricsColumn } from "../../domain/SalesforceFields.js"
import type { ObjectDescription, ObjectField, OrgLimits } from "../../domain/SalesforceObject.js"
import type { BulkJob, BulkJobState, RowResult } from "../../domain/SalesforceResults.js"
import { Crm, type CrmError, type CrmRecord, type UpsertJobSpec, withCrmRetry } from "../../services/Crm.js"

export type CrmOperation =
  | "connect"
  | "createUpsertJob"
  | "uploadCsv"
  | "closeJob"
  | "abortJob"
  | "jobInfo"
  | "jobResults"
  | "upsertRecords"
  | "describeObject"
  | "limits"

export interface CrmMemoryOptions {
  /** How many status checks a closed job answers `InProgress` (default 0). */
  readonly inProgressPolls?: number
  /** Fails a row with `{code, message}`, as a validation rule would. */
  readonly rejectRow?: (
    record: Readonly<Record<string, string | null>>,
  ) => { code: string; message: string } | undefined
}

const FIELD_TYPES = { text: "string", integer: "double", decimal: "currency", date: "date", datetime: "datetime" }

/** `Customer_Weekly_Metric__c` with a writable field of a fitting type for each column of the default mapping. */
const defaultObject = (): ObjectDescription => ({
  name: "Customer_Weekly_Metric__c",
  fields: Object.entries(DEFAULT_FIELD_MAPPING).map(
    ([column, name]): ObjectField => ({
      name,
      type: FIELD_TYPES[columnKind(column as MetricsColumn)],
      createable: true,
      updateable: true,
      externalId: column === "external_signal_id",
      idLookup: column === "external_signal_id",
      nillable: true,
    }),
  ),
})

interface MemoryJob {
  readonly id: string
  readonly object: string
  readonly externalIdField: string
  state: BulkJobState
  csv: string | undefined
  pollsLeft: number
  results: ReadonlyArray<RowResult>
}

/**
 * An org in memory, deterministic and instant: for tests of the sync's logic that need neither
 * HTTP nor jsforce (poll timeouts on the TestClock, retries, job cutting). `records` holds what
 * was upserted; `calls` every call in order; `failures` makes the next calls of an operation fail.
 */
export class MemoryOrg {
  readonly records = new Map<string, { readonly id: string; fields: Record<string, string | null> }>()
  readonly calls: Array<{ readonly operation: CrmOperation; readonly jobId?: string }> = []
  readonly uploads = new Map<string, string>()
  readonly failures: Array<{ readonly operation: CrmOperation; readonly error: CrmError }> = []
  readonly jobs = new Map<string, MemoryJob>()
  /** The objects `describeObject` knows. */
  readonly objects = new Map<string, ObjectDescription>([["Customer_Weekly_Metric__c", defaultObject()]])
  limits: OrgLimits = {
    dailyBulkApiBatches: { max: 15_000, remaining: 15_000 },
    dailyApiRequests: { max: 100_000, remaining: 100_000 },
  }
  inProgressPolls: number
  private counter = 0

  constructor(private readonly options: CrmMemoryOptions = {}) {
    this.inProgressPolls = options.inProgressPolls ?? 0
  }

  nextId(prefix: string): string {
    this.counter += 1
    return `${prefix}${String(this.counter).padStart(15, "0")}`
  }

  process(job: MemoryJob): void {
    const [header, ...rows] = parse(job.csv ?? "", { record_delimiter: "\n" }) as Array<Array<string>>
    const counts = new Map<string, number>()
    const key = (header ?? []).indexOf(job.externalIdField)
    for (const row of rows) counts.set(row[key] ?? "", (counts.get(row[key] ?? "") ?? 0) + 1)
    job.results = rows.map((row): RowResult => {
      const externalId = row[key] ?? ""
      if ((counts.get(externalId) ?? 0) > 1) {
        return failedRow(externalId, "DUPLICATE_VALUE", `Duplicate external id specified: ${externalId}`)
      }
      const record = Object.fromEntries(
        (header ?? []).map((name, i) => [name, row[i] === NULL_VALUE ? null : (row[i] ?? null)]),
      )
      return this.upsert(externalId, record)
    })
    job.state = "JobComplete"
  }

  /** One row upserted on its external id, or refused by `rejectRow`: the same for Bulk and Collections. */
  upsert(externalId: string, record: Readonly<Record<string, string | null>>): RowResult {
    const rejection = this.options.rejectRow?.(record)
    if (rejection !== undefined) return failedRow(externalId, rejection.code, rejection.message)
    const existing = this.records.get(externalId)
    const id = existing?.id ?? this.nextId("a0B")
    this.records.set(externalId, { id, fields: { ...existing?.fields, ...record } })
    const outcome = existing ? "updated" : "created"
    return { externalId, salesforceId: id, outcome, errorCode: null, errorMessage: null }
  }
}

const failedRow = (externalId: string, code: string, message: string): RowResult => ({
  externalId,
  salesforceId: null,
  outcome: "failed",
  errorCode: code,
  errorMessage: message,
})

const asText = (record: CrmRecord): Record<string, string | null> =>
  Object.fromEntries(Object.entries(record).map(([k, v]) => [k, v === null ? null : String(v)]))

const info = (job: MemoryJob): BulkJob => ({
  id: job.id,
  state: job.state,
  recordsProcessed: job.results.length,
  recordsFailed: job.results.filter((r) => r.outcome === "failed").length,
  errorMessage: null,
})

/** One call to the org: logged, failed with the next failure queued for its operation, else run. */
const stepOf =
  (org: MemoryOrg) =>
  <A>(operation: CrmOperation, jobId: string | undefined, run: () => A) =>
    Effect.suspend((): Effect.Effect<A, CrmError> => {
      org.calls.push({ operation, ...(jobId === undefined ? {} : { jobId }) })
      const i = org.failures.findIndex((f) => f.operation === operation)
      if (i >= 0) return Effect.fail(org.failures.splice(i, 1)[0]?.error as CrmError)
      return Effect.sync(run)
    })

/** Bulk API 2.0 over the memory org: a job is processed once its polls in progress are spent. */
const bulkJobs = (org: MemoryOrg) => {
  const step = stepOf(org)
  const known = (jobId: string) => {
    const job = org.jobs.get(jobId)
    if (job === undefined) throw new Error(`no job ${jobId} in the memory org`)
    return job
  }
  const createUpsertJob = Effect.fn("Crm.createUpsertJob")((spec: UpsertJobSpec) =>
    step("createUpsertJob", undefined, () => {
      const job: MemoryJob = {
        id: org.nextId("750"),
        object: spec.object,
        externalIdField: spec.externalIdField,
        state: "Open",
        csv: undefined,
        pollsLeft: 0,
        results: [],
      }
      org.jobs.set(job.id, job)
      return info(job)
    }),
  )
  const uploadCsv = Effect.fn("Crm.uploadCsv")((jobId: string, csv: string) =>
    step("uploadCsv", jobId, () => {
      known(jobId).csv = csv
      org.uploads.set(jobId, csv)
    }),
  )
  const closeJob = Effect.fn("Crm.closeJob")((jobId: string) =>
    step("closeJob", jobId, () => {
      const job = known(jobId)
      job.state = "UploadComplete"
      job.pollsLeft = org.inProgressPolls
      return info(job)
    }),
  )
  const abortJob = Effect.fn("Crm.abortJob")((jobId: string) =>
    step("abortJob", jobId, () => {
      const job = known(jobId)
      job.state = "Aborted"
      return info(job)
    }),
  )
  const jobInfo = Effect.fn("Crm.jobInfo")((jobId: string) =>
    step("jobInfo", jobId, () => {
      const job = org.jobs.get(jobId)
      if (job === undefined) return Option.none()
      if (job.state === "UploadComplete" || job.state === "InProgress") {
        if (job.pollsLeft > 0) {
          job.pollsLeft -= 1
          job.state = "InProgress"
        } else org.process(job)
      }
      return Option.some(info(job))
    }),
  )
  const jobResults = Effect.fn("Crm.jobResults")((jobId: string, _externalIdField: string) =>
    step("jobResults", jobId, () => known(jobId).results),
  )
  return { createUpsertJob, uploadCsv, closeJob, abortJob, jobInfo, jobResults }
}

/** The Crm service over a MemoryOrg, with the same retries as the live layer. */
export const layer = (org: MemoryOrg): Layer.Layer<Crm> => {
  const step = stepOf(org)
  const connect = Effect.fn("Crm.connect")(() =>
    step("connect", undefined, () => ({ instanceUrl: "memory://org", userId: null, organizationId: null })),
  )
  const upsertRecords = Effect.fn("Crm.upsertRecords")((spec: UpsertJobSpec, records: ReadonlyArray<CrmRecord>) =>
    step("upsertRecords", undefined, () =>
      records.map((record) => org.upsert(String(record[spec.externalIdField] ?? ""), asText(record))),
    ),
  )
  const describeObject = Effect.fn("Crm.describeObject")((objectName: string) =>
    step("describeObject", undefined, () => Option.fromNullable(org.objects.get(objectName))),
  )
  const limits = Effect.fn("Crm.limits")(() => step("limits", undefined, () => org.limits))
  return Layer.succeed(
    Crm,
    withCrmRetry({
      connect: connect(),
      ...bulkJobs(org),
      upsertRecords,
      describeObject,
      limits: limits(),
    }),
  )
}
