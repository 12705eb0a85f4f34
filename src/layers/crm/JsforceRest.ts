import type { Connection } from "jsforce"
import type { ObjectDescription, ObjectField, OrgLimits } from "../../domain/SalesforceObject.js"
import type { RowResult } from "../../domain/SalesforceResults.js"
import type { CrmRecord, UpsertJobSpec } from "../../services/Crm.js"

interface SaveError {
  readonly statusCode?: string
  readonly message?: string
}

interface UpsertAnswer {
  readonly id?: string | null
  readonly success?: boolean
  readonly created?: boolean
  readonly errors?: ReadonlyArray<SaveError>
}

/**
 * One sObject Collections upsert: jsforce 3 sends an array (API ≥ 46) as
 * `PATCH /composite/sobjects/{object}/{field}` with `allOrNone: false` and answers Salesforce's
 * per-record results in order; without `allowRecursive` it never splits the request.
 */
export const upsertCollection = async (
  connection: Connection,
  spec: UpsertJobSpec,
  records: ReadonlyArray<CrmRecord>,
): Promise<ReadonlyArray<RowResult>> => {
  if (records.length === 0) return []
  const answers = (await connection.upsert(
    spec.object,
    records.map((record) => ({ ...record })),
    spec.externalIdField,
    { allOrNone: false },
  )) as ReadonlyArray<UpsertAnswer>
  return records.map((record, i): RowResult => {
    const answer = answers[i]
    const externalId = String(record[spec.externalIdField] ?? "")
    if (answer?.success === true) {
      const salesforceId = answer.id ?? null
      const outcome = answer.created === true ? "created" : "updated"
      return { externalId, salesforceId, outcome, errorCode: null, errorMessage: null }
    }
    const error = answer?.errors?.[0]
    return {
      externalId,
      salesforceId: answer?.id ?? null,
      outcome: answer === undefined ? "unprocessed" : "failed",
      errorCode: error?.statusCode ?? "UNKNOWN_ERROR",
      errorMessage: error?.message ?? "Salesforce returned no result for this row",
    }
  })
}

type DescribedField = Partial<Record<keyof ObjectField, unknown>>

const count = (value: unknown) => (typeof value === "number" ? { value } : undefined)

const field = (f: DescribedField): ObjectField => {
  const length = count(f.length)
  const precision = count(f.precision)
  const scale = count(f.scale)
  return {
    name: String(f.name),
    type: String(f.type),
    createable: f.createable === true,
    updateable: f.updateable === true,
    externalId: f.externalId === true,
    idLookup: f.idLookup === true,
    nillable: f.nillable === true,
    ...(length === undefined ? {} : { length: length.value }),
    ...(precision === undefined ? {} : { precision: precision.value }),
    ...(scale === undefined ? {} : { scale: scale.value }),
  }
}

/** `GET /sobjects/{object}/describe`, the fields the sync relies on. */
export const describeObject = async (connection: Connection, objectName: string): Promise<ObjectDescription> => {
  const answer = (await connection.describe(objectName)) as { name?: string; fields?: ReadonlyArray<DescribedField> }
  return { name: answer.name ?? objectName, fields: (answer.fields ?? []).map(field) }
}

const allocation = (body: Record<string, unknown>, name: string) => {
  const limit = body[name] as { Max?: unknown; Remaining?: unknown } | undefined
  if (typeof limit?.Max !== "number" || typeof limit.Remaining !== "number") {
    throw Object.assign(new Error(`the limits answer has no ${name}`), { errorCode: "INVALID_LIMITS_ANSWER" })
  }
  return { max: limit.Max, remaining: limit.Remaining }
}

/** `GET /limits`: the daily Bulk batches and API requests left. */
export const orgLimits = async (connection: Connection): Promise<OrgLimits> => {
  const body = (await connection.limits()) as Record<string, unknown>
  return {
    dailyBulkApiBatches: allocation(body, "DailyBulkApiBatches"),
    dailyApiRequests: allocation(body, "DailyApiRequests"),
  }
}
