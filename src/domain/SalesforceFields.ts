import { Either } from "effect"
import type { CustomerWeeklyMetrics } from "./CustomerMetrics.js"
import { type ConfigurationError, invalidSetting } from "./Errors.js"

export type MetricsColumn = keyof CustomerWeeklyMetrics

export type ColumnKind = "text" | "date" | "integer" | "decimal" | "datetime"

/** How each column of the export view is written for Salesforce. */
const COLUMN_KINDS: Record<MetricsColumn, ColumnKind> = {
  external_signal_id: "text",
  user_id: "text",
  week_start: "date",
  week_end: "date",
  event_count: "integer",
  view_count: "integer",
  cart_count: "integer",
  remove_from_cart_count: "integer",
  purchase_count: "integer",
  purchase_revenue: "decimal",
  session_count: "integer",
  product_count: "integer",
  first_event_at: "datetime",
  last_event_at: "datetime",
}

const COLUMNS = Object.keys(COLUMN_KINDS) as ReadonlyArray<MetricsColumn>

/** What kind of value a column of the export view holds. */
export const columnKind = (column: MetricsColumn): ColumnKind => COLUMN_KINDS[column]

/** Export view column → field of `Customer_Weekly_Metric__c`, used unless SF_FIELD_MAPPING_FILE says otherwise. */
export const DEFAULT_FIELD_MAPPING: Readonly<Record<MetricsColumn, string>> = {
  external_signal_id: "External_Signal_Id__c",
  user_id: "Customer_Id__c",
  week_start: "Week_Start__c",
  week_end: "Week_End__c",
  event_count: "Event_Count__c",
  view_count: "View_Count__c",
  cart_count: "Cart_Count__c",
  remove_from_cart_count: "Remove_From_Cart_Count__c",
  purchase_count: "Purchase_Count__c",
  purchase_revenue: "Purchase_Revenue__c",
  session_count: "Session_Count__c",
  product_count: "Product_Count__c",
  first_event_at: "First_Event_At__c",
  last_event_at: "Last_Event_At__c",
}

/** Which columns go to which fields, in CSV column order; one of them carries the external id. */
export interface FieldMapping {
  readonly columns: ReadonlyArray<MetricsColumn>
  readonly fields: ReadonlyArray<string>
  readonly externalIdColumn: MetricsColumn
}

const API_NAME = /^[A-Za-z]\w*$/

/**
 * Validates a mapping `{view_column: SalesforceField}` (the default, or the JSON of
 * SF_FIELD_MAPPING_FILE): known columns only, API names, no field twice, and one column mapped to
 * the external id field. Every problem is named with the setting it came from.
 */
export const parseFieldMapping = (
  value: unknown,
  externalIdField: string,
  setting = "SF_FIELD_MAPPING_FILE",
): Either.Either<FieldMapping, ConfigurationError> => {
  const bad = (rule: string) => Either.left(invalidSetting(setting, rule))
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return bad('must hold a JSON object {"view_column": "Salesforce_Field__c"}')
  }
  const entries = Object.entries(value)
  if (entries.length === 0) return bad("maps no column")
  const columns: Array<MetricsColumn> = []
  const fields: Array<string> = []
  for (const [column, field] of entries) {
    if (!(column in COLUMN_KINDS)) return bad(`names unknown view column "${column}" (known: ${COLUMNS.join(", ")})`)
    if (typeof field !== "string" || !API_NAME.test(field)) {
      return bad(`maps "${column}" to ${JSON.stringify(field)}, which is not a Salesforce field API name`)
    }
    if (fields.some((f) => f.toLowerCase() === field.toLowerCase())) return bad(`maps two columns to field ${field}`)
    columns.push(column as MetricsColumn)
    fields.push(field)
  }
  const key = fields.findIndex((f) => f.toLowerCase() === externalIdField.toLowerCase())
  if (key < 0) return bad(`maps no column to the external id field ${externalIdField} (SF_EXTERNAL_ID_FIELD)`)
  return Either.right({ columns, fields, externalIdColumn: columns[key] as MetricsColumn })
}

/** A decimal without exponent or float noise: 0.1 + 0.2 is written 0.3, 1e-7 as 0.0000001. */
export const plainDecimal = (n: number): string => {
  const rounded = Number(n.toPrecision(15))
  const text = String(rounded)
  if (!/e/i.test(text)) return text
  return rounded.toFixed(20).replace(/\.?0+$/, "")
}

const DATETIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/

/** ISO-8601 with milliseconds, the precision Salesforce keeps: `…T00:00:03.000000Z` → `…T00:00:03.000Z`. */
export const salesforceDateTime = (value: string): string => {
  // The warehouse's usual shape, `YYYY-MM-DDTHH:MM:SS.ffffffZ`, without a regular expression: this
  // runs twice for every row of every sync, changed or not.
  if (value.length === 27 && value.charCodeAt(10) === 84 && value.charCodeAt(19) === 46 && value.endsWith("Z")) {
    return `${value.slice(0, 23)}Z`
  }
  const match = DATETIME.exec(value)
  if (match === null) return value
  const [, date, time, fraction, zone] = match
  return `${date}T${time}.${(fraction ?? "").padEnd(3, "0").slice(0, 3)}${zone ?? "Z"}`
}

type Format = (value: unknown) => string | null

const text = (value: unknown): string | null => {
  if (value === null || value === undefined) return null
  const t = typeof value === "string" ? value : String(value)
  return t === "" ? null : t
}

const number =
  (integer: boolean): Format =>
  (value) => {
    if (typeof value === "number") {
      if (!Number.isFinite(value)) return null
      return integer && Number.isInteger(value) ? String(value) : plainDecimal(value)
    }
    return typeof value === "bigint" ? value.toString() : text(value)
  }

/** How each kind of column is written; `null` clears the field, and an empty text is a null too. */
const FORMATS: Record<ColumnKind, Format> = {
  text,
  integer: number(true),
  decimal: number(false),
  date: (value) => (value instanceof Date ? value.toISOString().slice(0, 10) : text(value)),
  datetime: (value) => {
    if (value instanceof Date) return value.toISOString()
    const t = text(value)
    return t === null ? null : salesforceDateTime(t)
  },
}

/** A function giving a row's values in the mapping's field order; the per-column work is done once, here. */
export const rowMapper = (mapping: FieldMapping): ((row: CustomerWeeklyMetrics) => Array<string | null>) => {
  const columns = mapping.columns
  const formats = columns.map((column) => FORMATS[COLUMN_KINDS[column]])
  const n = columns.length
  return (row) => {
    const values = new Array<string | null>(n)
    for (let i = 0; i < n; i++) values[i] = (formats[i] as Format)(row[columns[i] as MetricsColumn])
    return values
  }
}

export const mapRow = (mapping: FieldMapping, row: CustomerWeeklyMetrics): Array<string | null> =>
  rowMapper(mapping)(row)
