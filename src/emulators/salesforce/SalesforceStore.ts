import { idGenerator } from "./SalesforceIds.js"

/** A stored record: its Salesforce id and its fields, `null` for a cleared field. */
export interface StoredRecord {
  readonly Id: string
  readonly fields: Readonly<Record<string, string | null>>
}

/**
 * A validation rule of the org: a row whose `field` value makes `fails` answer true is rejected
 * with `code` and `message`, as a validation rule or a trigger would.
 */
export interface ValidationRule {
  readonly field: string
  readonly fails: (value: string | null) => boolean
  readonly message: string
  readonly code?: string
}

export type UpsertOutcome =
  | { readonly ok: true; readonly id: string; readonly created: boolean }
  | { readonly ok: false; readonly id: string; readonly error: string }

/** The value Bulk API writes `#N/A` as: clear the field. */
const NULL_VALUE = "#N/A"

/**
 * The org's data: per object, records keyed by external id. Salesforce ids are kept across jobs,
 * so a second upsert of an external id updates the record it created.
 */
export class SalesforceStore {
  private readonly objects = new Map<string, Map<string, StoredRecord>>()
  private readonly nextId = idGenerator("a0B")
  rules: Array<ValidationRule> = []

  records(objectName: string): ReadonlyMap<string, StoredRecord> {
    return this.objects.get(objectName) ?? new Map()
  }

  find(objectName: string, externalId: string): StoredRecord | undefined {
    return this.objects.get(objectName)?.get(externalId)
  }

  /**
   * Upserts one row on its external id. An empty value leaves the field as it is (Bulk API
   * ignores it), `#N/A` clears it; a row a rule rejects changes nothing.
   */
  upsert(objectName: string, externalIdField: string, row: Readonly<Record<string, string>>): UpsertOutcome {
    const externalId = row[externalIdField] ?? ""
    const records = this.objects.get(objectName) ?? new Map<string, StoredRecord>()
    this.objects.set(objectName, records)
    const existing = records.get(externalId)
    if (externalId === "" || externalId === NULL_VALUE) {
      return { ok: false, id: "", error: `MISSING_ARGUMENT:${externalIdField} not specified:--` }
    }
    const fields: Record<string, string | null> = { ...existing?.fields }
    for (const [name, value] of Object.entries(row)) {
      if (value === NULL_VALUE) fields[name] = null
      else if (value !== "") fields[name] = value
      else if (!(name in fields)) fields[name] = null
    }
    for (const rule of this.rules) {
      if (rule.fails(fields[rule.field] ?? null)) {
        const code = rule.code ?? "FIELD_CUSTOM_VALIDATION_EXCEPTION"
        return { ok: false, id: existing?.Id ?? "", error: `${code}:${rule.message}:${rule.field} --` }
      }
    }
    const Id = existing?.Id ?? this.nextId()
    records.set(externalId, { Id, fields })
    return { ok: true, id: Id, created: existing === undefined }
  }
}
