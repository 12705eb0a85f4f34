import { parse } from "csv-parse/sync"
import { parseRowError, type RowResult } from "../../domain/SalesforceResults.js"

type ResultRecord = Readonly<Record<string, string>>

const records = (csv: string | undefined): ReadonlyArray<ResultRecord> =>
  csv === undefined || csv.trim() === ""
    ? []
    : (parse(csv, { columns: true, skip_empty_lines: true, relax_column_count: true }) as Array<ResultRecord>)

const blankToNull = (value: string | undefined) => (value === undefined || value === "" ? null : value)

/**
 * Reads a job's three result files into one result per row, keyed on the external id column.
 * The files are parsed as comma-separated only: jsforce's own parser also splits on `|`, `;`,
 * tab and others, which would cut a value holding one of them.
 */
export const parseJobResults = (
  externalIdField: string,
  files: {
    readonly successful: string | undefined
    readonly failed: string | undefined
    readonly unprocessed: string | undefined
  },
): ReadonlyArray<RowResult> => [
  ...records(files.successful).map(
    (r): RowResult => ({
      externalId: r[externalIdField] ?? "",
      salesforceId: blankToNull(r.sf__Id),
      outcome: r.sf__Created === "true" ? "created" : "updated",
      errorCode: null,
      errorMessage: null,
    }),
  ),
  ...records(files.failed).map((r): RowResult => {
    const error = parseRowError(r.sf__Error ?? "")
    return {
      externalId: r[externalIdField] ?? "",
      salesforceId: blankToNull(r.sf__Id),
      outcome: "failed",
      errorCode: error.code,
      errorMessage: error.message,
    }
  }),
  ...records(files.unprocessed).map(
    (r): RowResult => ({
      externalId: r[externalIdField] ?? "",
      salesforceId: null,
      outcome: "unprocessed",
      errorCode: null,
      errorMessage: null,
    }),
  ),
]
