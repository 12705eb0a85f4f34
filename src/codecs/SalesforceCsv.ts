/** What Bulk API reads as "set this field to null"; an empty value would leave the field unchanged. */
export const NULL_VALUE = "#N/A"

/** Salesforce takes up to 150 MB per upload after base64: a job's raw CSV stays under 100 MB. */
export const MAX_JOB_CSV_BYTES = 100 * 1024 * 1024

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/

/**
 * One CSV value by Salesforce's rules: quoted when it holds a comma, a quote or a line break (or
 * starts or ends with white space, which an unquoted value would lose), quotes doubled inside.
 * Nothing else is touched: a value starting with `=`, `+`, `-` or `@` is stored as text by
 * Salesforce, and prefixing it would change the data.
 */
export const csvField = (value: string | null): string => {
  if (value === null) return NULL_VALUE
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}

/** One CSV line, without its LF. */
export const csvLine = (values: ReadonlyArray<string | null>): string => values.map(csvField).join(",")
