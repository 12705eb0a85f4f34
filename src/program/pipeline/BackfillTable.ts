import { Exit, Option } from "effect"
import { rejectRatePct } from "../../domain/RunStatus.js"
import type { Week } from "../../domain/Week.js"
import { describeFailure } from "./AuditTrail.js"
import type { RunOutcome } from "./Pipeline.js"

export interface BackfillRow {
  readonly week: Week
  readonly durationMs: number
  readonly result: Exit.Exit<RunOutcome, unknown>
}

const HEADER = ["week", "status", "fetched", "valid", "rejected", "reject %", "sent to SF", "seconds", "error"]

/** The backfill's summary: one line a week, columns aligned. */
export const renderBackfillTable = (rows: ReadonlyArray<BackfillRow>): string => {
  const cells = rows.map((row) => {
    const outcome = Exit.isSuccess(row.result) ? row.result.value : undefined
    const v = outcome ? Option.getOrUndefined(outcome.validation) : undefined
    const sync = outcome?.outputs["salesforce-sync"]
    const error = Exit.isFailure(row.result) ? describeFailure(row.result.cause) : undefined
    return [
      row.week.toString(),
      outcome?.status ?? "FAILED",
      v ? String(v.rowsFetched) : "",
      v ? String(v.rowsValid) : "",
      v ? String(v.rowsRejected) : "",
      v && v.rowsFetched > 0 ? rejectRatePct(v.rowsFetched, v.rowsRejected).toFixed(2) : "",
      sync && !sync.skipped ? String(sync.sent) : "",
      (row.durationMs / 1000).toFixed(1),
      error ? `${error.errorType}: ${error.errorMessage}` : "",
    ]
  })
  const widths = HEADER.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? "").length)))
  const line = (c: ReadonlyArray<string>) =>
    c
      .map((v, i) => (i >= 2 && i <= 7 ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd()
  const failed = rows.filter((r) => Exit.isFailure(r.result)).length
  return [
    line(HEADER),
    line(widths.map((w) => "-".repeat(w))),
    ...cells.map(line),
    "",
    `${rows.length} week(s): ${rows.length - failed} ok, ${failed} failed`,
  ].join("\n")
}
