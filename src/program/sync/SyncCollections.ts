import { Array as Arr, Effect, Random } from "effect"
import type { WarehouseError } from "../../domain/Errors.js"
import { columnKind, type FieldMapping, rowMapper } from "../../domain/SalesforceFields.js"
import { COLLECTIONS_MAX_RECORDS } from "../../domain/SalesforceObject.js"
import type { RowResult } from "../../domain/SalesforceResults.js"
import type { Week } from "../../domain/Week.js"
import { Crm, type CrmError, type CrmRecord } from "../../services/Crm.js"
import { SyncLedger } from "../../services/SyncLedger.js"
import { type JobTally, tallyOf } from "./SyncJobs.js"
import type { ChangedRow } from "./SyncPlan.js"

/** Requests in flight at once: a small diff is a handful of them, each synchronous in Salesforce. */
const CONCURRENT_REQUESTS = 4
const ID_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

export interface CollectionsContext {
  readonly runId: string
  readonly week: Week
  readonly objectName: string
  readonly externalIdField: string
  readonly mapping: FieldMapping
  readonly onRequest?: (sent: number) => void
}

/**
 * A row as a Collections record: the mapping's fields with the values a Bulk CSV would carry,
 * numbers as JSON numbers when that writes them exactly, `null` clearing a field.
 */
export const recordMapper = (mapping: FieldMapping) => {
  const values = rowMapper(mapping)
  const numeric = mapping.columns.map((c) => columnKind(c) === "integer" || columnKind(c) === "decimal")
  return (row: ChangedRow["row"]): CrmRecord => {
    const record: Record<string, string | number | null> = {}
    values(row).forEach((value, i) => {
      const asNumber = value === null || !numeric[i] ? Number.NaN : Number(value)
      record[mapping.fields[i] as string] = String(asNumber) === value ? asNumber : value
    })
    return record
  }
}

/** An id for the ledger's job columns (18 characters, as Salesforce's): `col` and 15 random ones. */
const requestId = Effect.map(
  Effect.forEach(Arr.range(1, 15), () => Random.nextIntBetween(0, ID_CHARS.length)),
  (picks) => `col${picks.map((i) => ID_CHARS[i]).join("")}`,
)

/** A row Salesforce did not process: it keeps its old sync state and is sent again next run. */
const unprocessed = (row: ChangedRow, errorCode: string, errorMessage: string): RowResult => ({
  externalId: row.externalId,
  salesforceId: null,
  outcome: "unprocessed",
  errorCode,
  errorMessage,
})

/** A request Salesforce refused as a whole (after the Crm's retries): every row of it unprocessed. */
const refused = (rows: ReadonlyArray<ChangedRow>, error: CrmError): ReadonlyArray<RowResult> =>
  rows.map((row) => unprocessed(row, String(error.details.errorCode ?? "UNKNOWN_ERROR"), error.message))

/**
 * One request of at most 200 rows, then its results in the ledger as one collected "job" (the
 * rows' results, the sync state of those that reached Salesforce) so that operators see them as
 * they see a Bulk job's. Nothing is recorded before the request: an upsert sent again after a
 * crash only writes the same values again.
 */
const sendRequest = (
  rows: ReadonlyArray<ChangedRow>,
  ctx: CollectionsContext,
  toRecord: ReturnType<typeof recordMapper>,
) =>
  Effect.gen(function* () {
    const crm = yield* Crm
    const ledger = yield* SyncLedger
    const spec = { object: ctx.objectName, externalIdField: ctx.externalIdField }
    const answered = yield* crm
      .upsertRecords(
        spec,
        rows.map((r) => toRecord(r.row)),
      )
      .pipe(
        Effect.catchTag("SalesforceSyncError", (error) =>
          error.details.retryable === true ? Effect.fail(error) : Effect.succeed(refused(rows, error)),
        ),
      )
    const jobId = yield* requestId
    const results = rows.map((row, i) => ({
      ...(answered[i] ?? unprocessed(row, "NOT_PROCESSED", "Salesforce returned no result for this row")),
      externalId: row.externalId,
      contentHash: row.contentHash,
    }))
    const jobRows = rows.map((r) => ({ externalId: r.externalId, contentHash: r.contentHash }))
    yield* ledger.recordJob({ jobId, runId: ctx.runId, week: ctx.week, objectName: ctx.objectName, rows: jobRows })
    const tally = tallyOf(results, 0)
    // Every row refused alike (a request Salesforce turned down whole): its message is the request's.
    const errorMessage = tally.failed === rows.length ? (results[0]?.errorMessage ?? null) : null
    yield* ledger.collectJob({ jobId, runId: ctx.runId, state: "JobComplete", errorMessage, results })
    ctx.onRequest?.(rows.length)
    return tally
  }).pipe(Effect.withSpan("SalesforceSync.collectionsRequest", { attributes: { records: rows.length } }))

/**
 * Upserts a small diff through sObject Collections, 200 rows a request, a few requests at once:
 * no Bulk job to create and poll, no daily Bulk batch spent. The tally counts no job.
 */
export const sendCollections = (
  rows: ReadonlyArray<ChangedRow>,
  ctx: CollectionsContext,
): Effect.Effect<ReadonlyArray<JobTally>, CrmError | WarehouseError, Crm | SyncLedger> => {
  const toRecord = recordMapper(ctx.mapping)
  return Effect.forEach(Arr.chunksOf(rows, COLLECTIONS_MAX_RECORDS), (chunk) => sendRequest(chunk, ctx, toRecord), {
    concurrency: CONCURRENT_REQUESTS,
  })
}
