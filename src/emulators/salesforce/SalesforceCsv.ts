import { parse } from "csv-parse/sync"

/** What Salesforce reads from an uploaded CSV: the header and the rows, values as written. */
export interface ParsedCsv {
  readonly header: ReadonlyArray<string>
  readonly rows: ReadonlyArray<ReadonlyArray<string>>
}

/** True when a CR LF ends a line outside quotes: a job declared `lineEnding: LF` rejects such a file. */
const hasCrLfLineEnding = (text: string): boolean => {
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 34) quoted = !quoted
    else if (!quoted && c === 13 && text.charCodeAt(i + 1) === 10) return true
  }
  return false
}

/**
 * Parses an upload strictly, as Salesforce does: a stray quote, a ragged row or a CR LF line
 * ending fails the whole job with a message in Salesforce's words.
 */
export const parseUpload = (text: string): { readonly csv: ParsedCsv } | { readonly error: string } => {
  if (hasCrLfLineEnding(text)) {
    return { error: "ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is LF" }
  }
  try {
    const records = parse(text, { record_delimiter: "\n", relax_column_count: false }) as Array<Array<string>>
    const [header, ...rows] = records
    if (header === undefined) return { error: "InvalidBatch : Unable to parse CSV: no header row" }
    return { csv: { header, rows } }
  } catch (error) {
    return { error: `InvalidBatch : Unable to parse CSV: ${(error as Error).message}` }
  }
}

const quoted = (value: string) => `"${value.replaceAll('"', '""')}"`

/** A result file as Salesforce writes one: every value quoted, LF line endings. */
export const resultCsv = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const lines = [header.map(quoted).join(",")]
  for (const row of rows) lines.push(row.map(quoted).join(","))
  return `${lines.join("\n")}\n`
}
