import { Effect, Layer, Option } from "effect"
import type { Connection } from "jsforce"
import type { HttpApi as JsforceHttpApi } from "jsforce/lib/http-api.js"
import type { ObjectDescription } from "../../domain/SalesforceObject.js"
import type { BulkJob, BulkJobState } from "../../domain/SalesforceResults.js"
import { AppConfig } from "../../services/AppConfig.js"
import { Crm, type CrmRecord, type UpsertJobSpec, withCrmRetry } from "../../services/Crm.js"
import { describeObject as describe, orgLimits, upsertCollection } from "./JsforceRest.js"
import { parseJobResults } from "./JsforceResults.js"
import { loadJsforce, makeSession } from "./JsforceSession.js"

type JobInfo = {
  id: string
  state: string
  numberRecordsProcessed?: number
  numberRecordsFailed?: number
  errorMessage?: string
}

const toBulkJob = (info: JobInfo): BulkJob => ({
  id: info.id,
  state: info.state as BulkJobState,
  recordsProcessed: Number(info.numberRecordsProcessed ?? 0),
  recordsFailed: Number(info.numberRecordsFailed ?? 0),
  errorMessage: info.errorMessage ?? null,
})

const job = (connection: Connection, jobId: string) => connection.bulk2.job("ingest", { id: jobId })

const openUpsertJob = async (connection: Connection, spec: UpsertJobSpec) => {
  const created = connection.bulk2.createJob({
    object: spec.object,
    operation: "upsert",
    externalIdFieldName: spec.externalIdField,
    contentType: "CSV",
    lineEnding: "LF",
  })
  return toBulkJob((await created.open()) as JobInfo)
}

// jsforce's own upload retries a PUT after a 5xx with its body stream already spent, sending an
// empty file: upload through an HttpApi that does not retry, and let the caller decide.
const putCsv = async (
  HttpApi: typeof JsforceHttpApi,
  connection: Connection,
  version: string,
  jobId: string,
  csv: string,
) => {
  const api = new HttpApi(connection, { responseType: "text/plain", retry: { methods: [] } })
  await api.request({
    method: "PUT",
    url: new URL(`/services/data/v${version}/jobs/ingest/${jobId}/batches`, connection.instanceUrl).toString(),
    body: csv,
    headers: { "Content-Type": "text/csv" },
  })
}

const fetchResults = async (connection: Connection, jobId: string, externalIdField: string) => {
  const ingest = job(connection, jobId)
  const [successful, failed, unprocessed] = await Promise.all([
    ingest.getSuccessfulResults(true),
    ingest.getFailedResults(true),
    ingest.getUnprocessedRecords(true),
  ])
  return parseJobResults(externalIdField, {
    successful: successful ?? undefined,
    failed: failed ?? undefined,
    unprocessed: typeof unprocessed === "string" ? unprocessed : undefined,
  })
}

/** Crm over jsforce 3: logs in on first use and drives each Bulk API 2.0 step itself. */
export const layer: Layer.Layer<Crm, never, AppConfig> = Layer.effect(
  Crm,
  Effect.gen(function* () {
    const all = yield* AppConfig
    const version = all.salesforce.apiVersion
    const jsforce = yield* Effect.cached(loadJsforce)
    const { session, call } = yield* makeSession(all, jsforce)
    const connect = Effect.fn("Crm.connect")(() => session)

    const createUpsertJob = Effect.fn("Crm.createUpsertJob")((spec: UpsertJobSpec) =>
      call("create job", undefined, (connection) => openUpsertJob(connection, spec)),
    )

    const uploadCsv = Effect.fn("Crm.uploadCsv")(function* (jobId: string, csv: string) {
      const { HttpApi } = yield* jsforce
      yield* call("upload", jobId, (connection) => putCsv(HttpApi, connection, version, jobId, csv))
    })

    const closeJob = Effect.fn("Crm.closeJob")((jobId: string) =>
      call("close job", jobId, async (connection) => {
        const ingest = job(connection, jobId)
        await ingest.close()
        return toBulkJob(ingest.getInfo() as JobInfo)
      }),
    )

    const abortJob = Effect.fn("Crm.abortJob")((jobId: string) =>
      call("abort job", jobId, async (connection) => {
        const ingest = job(connection, jobId)
        await ingest.abort()
        return toBulkJob(ingest.getInfo() as JobInfo)
      }),
    )

    const jobInfo = Effect.fn("Crm.jobInfo")((jobId: string) =>
      call("check job", jobId, (connection) => job(connection, jobId).check()).pipe(
        Effect.map((info) => Option.some(toBulkJob(info as JobInfo))),
        Effect.catchIf(
          (error) => error._tag === "SalesforceSyncError" && error.details.errorCode === "NOT_FOUND",
          () => Effect.succeed(Option.none<BulkJob>()),
        ),
      ),
    )

    const jobResults = Effect.fn("Crm.jobResults")((jobId: string, externalIdField: string) =>
      call("fetch results", jobId, (connection) => fetchResults(connection, jobId, externalIdField)),
    )

    const upsertRecords = Effect.fn("Crm.upsertRecords")((spec: UpsertJobSpec, records: ReadonlyArray<CrmRecord>) =>
      call("upsert records", undefined, (connection) => upsertCollection(connection, spec, records)),
    )

    const describeObject = Effect.fn("Crm.describeObject")((objectName: string) =>
      call("describe object", undefined, (connection) => describe(connection, objectName)).pipe(
        Effect.map(Option.some),
        Effect.catchIf(
          (error) => error._tag === "SalesforceSyncError" && error.details.errorCode === "NOT_FOUND",
          () => Effect.succeed(Option.none<ObjectDescription>()),
        ),
      ),
    )

    const limits = Effect.fn("Crm.limits")(() => call("read limits", undefined, orgLimits))

    return withCrmRetry({
      connect: connect(),
      createUpsertJob,
      uploadCsv,
      closeJob,
      abortJob,
      jobInfo,
      jobResults,
      upsertRecords,
      describeObject,
      limits: limits(),
    })
  }),
)
