import { FileSystem } from "@effect/platform"
import { stringify } from "csv-stringify/sync"
import { Chunk, Effect, Sink, Stream } from "effect"
import { atomicWrite, localStorageError } from "../../platform/Files.js"
import type { FailedRow } from "../../services/PipelineHistory.js"
import { failedRowRecord } from "./OperatorJson.js"
import { type Cell, clip, moment, type Paint, renderTable } from "./TextTable.js"

/** The CSV's columns, in order: what a person needs to find the record and fix its data. */
export const FAILED_ROW_COLUMNS = [
  "external_id",
  "week_start",
  "week_end",
  "outcome",
  "error_code",
  "error_message",
  "salesforce_id",
  "run_id",
  "job_id",
  "recorded_at",
] as const

/**
 * RFC 4180 through csv-stringify: comma, LF, a field quoted when it holds a comma, a quote or a
 * line break (quotes doubled), empty for null. A field that a spreadsheet would run as a formula
 * (starting with `=`, `+`, `-`, `@`, a tab or CR) gets a leading `'`: external ids come from the
 * events API, and a CSV opened in Excel must not execute what it holds.
 */
const csvOf = (rows: ReadonlyArray<FailedRow>, header: boolean) =>
  stringify(rows.map(failedRowRecord), {
    columns: [...FAILED_ROW_COLUMNS],
    header,
    escape_formulas: true,
    eof: true,
  })

/**
 * Writes `rows` to `path` as CSV page by page (never the whole list in memory), through a temp
 * file renamed into place at the end: a reader never sees half a file. Answers the rows written.
 */
export const writeFailedRowsCsv = <E>(path: string, rows: Stream.Stream<FailedRow, E>) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    let written = 0
    const bytes = Stream.concat(
      Stream.make(csvOf([], true)),
      rows.pipe(
        Stream.mapChunks((chunk) => {
          written += chunk.length
          return Chunk.of(csvOf(Chunk.toReadonlyArray(chunk), false))
        }),
      ),
    ).pipe(
      // An empty write is an error to the file sink (WriteZero): a page of none writes nothing.
      Stream.filter((text) => text.length > 0),
      Stream.encodeText,
    )
    yield* atomicWrite(path, (temp) =>
      Stream.run(bytes, fs.sink(temp).pipe(Sink.mapError(localStorageError("write", path)))),
    )
    return written
  })

/** The first `limit` rows as a table, and how many there are in all. */
export const failedRowsTable = <E>(rows: Stream.Stream<FailedRow, E>, limit: number, paint: Paint) =>
  Effect.gen(function* () {
    const shown: Array<FailedRow> = []
    const total = yield* Stream.runFold(rows, 0, (n, row) => {
      if (shown.length < limit) shown.push(row)
      return n + 1
    })
    const lines = renderTable(
      [
        { header: "EXTERNAL ID" },
        { header: "WEEK" },
        { header: "OUTCOME" },
        { header: "ERROR CODE" },
        { header: "RECORDED" },
        { header: "MESSAGE" },
      ],
      shown.map(
        (r): Array<Cell> => [
          r.externalId,
          r.weekStart === null ? "—" : `${r.weekStart}..${r.weekEnd}`,
          { text: r.outcome, style: "red" },
          r.errorCode ?? "—",
          moment(r.recordedAt),
          clip(r.errorMessage, 80),
        ],
      ),
      paint,
    )
    return { lines, shown: shown.length, total }
  })
