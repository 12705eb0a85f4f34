import { type ColumnKind, columnKind, type FieldMapping } from "./SalesforceFields.js"

/** A field of an object as `describe` reports it (the parts the sync relies on). */
export interface ObjectField {
  readonly name: string
  /** Salesforce's field type: `string`, `double`, `int`, `currency`, `date`, `datetime`, `id` ... */
  readonly type: string
  readonly createable: boolean
  readonly updateable: boolean
  readonly externalId: boolean
  readonly idLookup: boolean
  readonly nillable: boolean
  readonly length?: number
  readonly precision?: number
  readonly scale?: number
}

export interface ObjectDescription {
  readonly name: string
  readonly fields: ReadonlyArray<ObjectField>
}

/** The two daily allocations a sync spends, as `GET /limits` reports them. */
export interface OrgLimits {
  readonly dailyBulkApiBatches: { readonly max: number; readonly remaining: number }
  readonly dailyApiRequests: { readonly max: number; readonly remaining: number }
}

const TEXT = ["string", "textarea", "picklist", "multipicklist", "combobox", "email", "phone", "url", "encryptedstring"]
const NUMBER = ["double", "currency", "percent"]

/** The Salesforce field types each kind of view value can be written to without being refused or cut. */
const ACCEPTS: Record<ColumnKind, ReadonlyArray<string>> = {
  text: TEXT,
  integer: [...NUMBER, "int", "long", ...TEXT],
  decimal: [...NUMBER, ...TEXT],
  date: ["date", "datetime", ...TEXT],
  datetime: ["datetime", ...TEXT],
}

/** Records a sObject Collections request may carry. */
export const COLLECTIONS_MAX_RECORDS = 200
/** Records Salesforce processes as one Bulk batch: a job spends ⌈records / 10,000⌉ of the daily batches. */
export const BULK_BATCH_RECORDS = 10_000

/**
 * Every reason the object cannot take the mapping's rows, in mapping order: a field it lacks, a
 * field the user cannot create or update, an upsert key that is not an external id, a field type
 * that cannot hold the column's values. Empty when the upsert can go ahead.
 */
export const mappingProblems = (
  mapping: FieldMapping,
  externalIdField: string,
  object: ObjectDescription,
): ReadonlyArray<string> => {
  const byName = new Map(object.fields.map((f) => [f.name.toLowerCase(), f]))
  const problems: Array<string> = []
  mapping.fields.forEach((name, i) => {
    const column = mapping.columns[i]
    const field = byName.get(name.toLowerCase())
    if (field === undefined) {
      problems.push(`field ${name} (from view column ${column}) does not exist on ${object.name}`)
      return
    }
    const cannot = [field.createable ? [] : ["created"], field.updateable ? [] : ["updated"]].flat()
    if (cannot.length > 0) problems.push(`field ${name} cannot be ${cannot.join(" or ")} by this user`)
    if (name.toLowerCase() === externalIdField.toLowerCase() && !field.externalId) {
      problems.push(`field ${name} is not an External ID field, so upserts cannot match on it (SF_EXTERNAL_ID_FIELD)`)
    }
    const kind = column === undefined ? undefined : columnKind(column)
    if (kind !== undefined && !ACCEPTS[kind].includes(field.type.toLowerCase())) {
      problems.push(`field ${name} is of type ${field.type}, which cannot take view column ${column}'s ${kind} values`)
    }
  })
  return problems
}

/** The Bulk batches a send of `rows` rows in jobs of at most `jobRows` rows spends. */
export const bulkBatchesFor = (rows: number, jobRows: number): number => {
  const fullJobs = Math.floor(rows / jobRows)
  return fullJobs * Math.ceil(jobRows / BULK_BATCH_RECORDS) + Math.ceil((rows % jobRows) / BULK_BATCH_RECORDS)
}

/** The sObject Collections requests a send of `rows` rows spends. */
export const collectionsRequestsFor = (rows: number): number => Math.ceil(rows / COLLECTIONS_MAX_RECORDS)
