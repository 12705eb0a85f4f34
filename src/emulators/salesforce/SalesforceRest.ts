import { ApiFault } from "./SalesforceBulkJobs.js"
import type { SalesforceStore } from "./SalesforceStore.js"

/** A field as `GET /sobjects/{object}/describe` lists it. */
export interface DescribedField {
  readonly name: string
  readonly type: string
  readonly createable: boolean
  readonly updateable: boolean
  readonly externalId: boolean
  readonly idLookup: boolean
  readonly nillable: boolean
  readonly unique: boolean
  readonly length: number
  readonly precision: number
  readonly scale: number
}

/** A custom field a user may write, of `type`; `overrides` makes it read-only, an external id ... */
export const describedField = (
  name: string,
  type: string,
  overrides: Partial<DescribedField> = {},
): DescribedField => ({
  name,
  type,
  createable: true,
  updateable: true,
  externalId: false,
  idLookup: false,
  nillable: true,
  unique: false,
  length: type === "string" ? 255 : 0,
  precision: type === "double" || type === "currency" ? 18 : 0,
  scale: type === "currency" ? 2 : 0,
  ...overrides,
})

/** `Customer_Weekly_Metric__c` as the org of the default mapping defines it. */
export const CUSTOMER_WEEKLY_METRIC_FIELDS: ReadonlyArray<DescribedField> = [
  describedField("Id", "id", { createable: false, updateable: false, idLookup: true, nillable: false, length: 18 }),
  describedField("Name", "string", { length: 80 }),
  describedField("External_Signal_Id__c", "string", { externalId: true, idLookup: true, unique: true }),
  describedField("Customer_Id__c", "string"),
  describedField("Week_Start__c", "date"),
  describedField("Week_End__c", "date"),
  ...[
    "Event_Count__c",
    "View_Count__c",
    "Cart_Count__c",
    "Remove_From_Cart_Count__c",
    "Purchase_Count__c",
    "Session_Count__c",
    "Product_Count__c",
  ].map((name) => describedField(name, "double")),
  describedField("Purchase_Revenue__c", "currency"),
  describedField("First_Event_At__c", "datetime"),
  describedField("Last_Event_At__c", "datetime"),
  describedField("CreatedDate", "datetime", { createable: false, updateable: false, nillable: false }),
]

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** Records one sObject Collections request may carry. */
const MAX_RECORDS = 200

type Json = Record<string, unknown>

/** A JSON value as the store keeps it: text, `#N/A` for a cleared field (what Bulk's CSV says). */
const stored = (value: unknown): string => {
  if (value === null || value === undefined || value === "") return "#N/A"
  return typeof value === "string" ? value : String(value)
}

/** `CODE:message:field --` (the store's error, as Bulk writes it) as a Collections error. */
const restError = (error: string) => {
  const first = error.indexOf(":")
  const last = error.lastIndexOf(":")
  const field = error
    .slice(last + 1)
    .replace(/\s*--\s*$/, "")
    .trim()
  return {
    statusCode: error.slice(0, first),
    message: error.slice(first + 1, last > first ? last : undefined),
    fields: field === "" ? [] : [field],
  }
}

/**
 * The REST surface beside Bulk: `describe` of the org's objects (`objects`, editable by tests to
 * take a field away or make one read-only) and sObject Collections upserts, which write to the
 * same store with the same rules as Bulk jobs, so a row fails the same way either path.
 */
export class SalesforceRest {
  readonly objects: Map<string, ReadonlyArray<DescribedField>>

  constructor(
    private readonly store: SalesforceStore,
    objects: Readonly<Record<string, ReadonlyArray<DescribedField>>> = {
      Customer_Weekly_Metric__c: CUSTOMER_WEEKLY_METRIC_FIELDS,
    },
  ) {
    this.objects = new Map(Object.entries(objects))
  }

  describe(objectName: string): Json | ApiFault {
    const fields = this.objects.get(objectName)
    if (fields === undefined) return new ApiFault(404, "NOT_FOUND", `The requested resource does not exist`)
    return { name: objectName, custom: objectName.endsWith("__c"), createable: true, updateable: true, fields }
  }

  /** `PATCH /composite/sobjects/{object}/{field}`: per-record results, in request order. */
  upsert(objectName: string, externalIdField: string, body: unknown): ReadonlyArray<Json> | ApiFault {
    const records = (body as { records?: unknown } | undefined)?.records
    if (!Array.isArray(records)) return new ApiFault(400, "JSON_PARSER_ERROR", "records must be an array")
    if (records.length > MAX_RECORDS) {
      return new ApiFault(
        400,
        "EXCEEDED_ID_LIMIT",
        `record limit reached. cannot submit more than ${MAX_RECORDS} records into this call`,
      )
    }
    const keys = records.map((r: Json) => stored(r?.[externalIdField]))
    return records.map((record: Json, i) => {
      if (keys.indexOf(keys[i] ?? "") !== keys.lastIndexOf(keys[i] ?? "")) {
        return this.failure("", `DUPLICATE_VALUE:Duplicate external id specified: ${keys[i]}:--`)
      }
      const row: Record<string, string> = {}
      for (const [name, value] of Object.entries(record ?? {})) if (name !== "attributes") row[name] = stored(value)
      const outcome = this.store.upsert(objectName, externalIdField, row)
      return outcome.ok
        ? { id: outcome.id, success: true, created: outcome.created, errors: [] }
        : this.failure(outcome.id, outcome.error)
    })
  }

  /** A request of `kind` answered: the body to send and, for an upsert, the external ids it carried (for the request log). */
  answer(
    kind: "collectionsUpsert" | "describe",
    route: { readonly objectName?: string; readonly externalIdField?: string },
    body: string,
  ): { readonly body: unknown; readonly logged: { readonly externalIds?: ReadonlyArray<string> } } | ApiFault {
    const { objectName = "", externalIdField = "" } = route
    if (kind === "describe") {
      const described = this.describe(objectName)
      return described instanceof ApiFault ? described : { body: described, logged: {} }
    }
    const request = parseJson(body)
    const results = this.upsert(objectName, externalIdField, request)
    if (results instanceof ApiFault) return results
    const records = (request as { records: ReadonlyArray<Json> }).records
    return { body: results, logged: { externalIds: records.map((r) => String(r?.[externalIdField] ?? "")) } }
  }

  private failure(id: string, error: string): Json {
    return { id: id === "" ? null : id, success: false, created: false, errors: [restError(error)] }
  }
}

/** The REST routes this surface answers, by method and path. */
export const restRoute = (
  method: string,
  path: string,
):
  | { readonly kind: "collectionsUpsert"; readonly objectName: string; readonly externalIdField: string }
  | { readonly kind: "describe"; readonly objectName: string }
  | undefined => {
  const collections = /^\/services\/data\/v\d+\.\d\/composite\/sobjects\/(\w+)\/(\w+)$/.exec(path)
  if (method === "PATCH" && collections) {
    return {
      kind: "collectionsUpsert",
      objectName: collections[1] as string,
      externalIdField: collections[2] as string,
    }
  }
  const describe = /^\/services\/data\/v\d+\.\d\/sobjects\/(\w+)\/describe\/?$/.exec(path)
  if (method === "GET" && describe) return { kind: "describe", objectName: describe[1] as string }
  return undefined
}
