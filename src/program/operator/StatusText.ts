import { Option } from "effect"
import type { RunRecord } from "../../services/PipelineHistory.js"
import { describeUpdate } from "../pipeline/PendingQueue.js"
import type { StatusReport } from "./StatusReport.js"
import { between, type Cell, clip, count, duration, moment, type Paint, renderTable, statusStyle } from "./TextTable.js"

const RUN_COLUMNS = [
  { header: "RUN ID" },
  { header: "WEEK" },
  { header: "STATUS" },
  { header: "STARTED" },
  { header: "DURATION", align: "right" },
  { header: "FETCHED", align: "right" },
  { header: "VALID", align: "right" },
  { header: "REJECTED", align: "right" },
  { header: "SYNCED", align: "right" },
  { header: "FAILED STAGE" },
  { header: "ERROR" },
] as const

/** Runs as a table, one a line: what `status` and `runs` print. */
export const runsTable = (runs: ReadonlyArray<RunRecord>, paint: Paint): Array<string> =>
  renderTable(
    RUN_COLUMNS,
    runs.map(
      (run): Array<Cell> => [
        run.runId,
        `${run.weekStart}..${run.weekEnd}`,
        { text: run.status, style: statusStyle(run.status) },
        moment(run.startedAt),
        duration(between(run.startedAt, run.finishedAt)),
        count(run.rowsFetched),
        count(run.rowsValid),
        count(run.rowsRejected),
        count(run.rowsSynced),
        run.failedStage ?? "—",
        run.errorType === null ? "—" : { text: clip(run.errorType, 40), style: "red" },
      ],
    ),
    paint,
  )

const checkpointLines = (report: StatusReport, paint: Paint) =>
  Option.match(report.checkpoint, {
    onNone: () => ["Checkpoint   none yet: the first `run --use-checkpoint` takes WEEK_START/WEEK_END"],
    onSome: (c) => [
      `Checkpoint   week ${paint(`${c.nextWeekStart}..${c.nextWeekEnd}`, "bold")} runs next; moved ${moment(c.updatedAt)} (${Math.floor(c.ageDays)} days ago)${
        c.stale ? `  ${paint("STALE", "red")}` : ""
      }`,
    ],
  })

const queueLines = (report: StatusReport, paint: Paint) => {
  const { waiting, poison } = report.queue
  const head = `Pending warehouse writes  ${report.queue.path}`
  if (waiting.length === 0 && poison.length === 0) return [head, "  none"]
  const rows: Array<Array<Cell>> = [
    ...waiting.map(
      (w): Array<Cell> => [
        String(w.line),
        "waiting",
        describeUpdate(w.entry.update),
        String(w.entry.attempts),
        clip(w.entry.lastError, 60),
      ],
    ),
    ...poison.map(
      (p): Array<Cell> => [
        String(p.line),
        { text: "poison", style: "red" },
        Option.match(p.entry, { onNone: () => "—", onSome: (e) => describeUpdate(e.update) }),
        Option.match(p.entry, { onNone: () => "—", onSome: (e) => String(e.attempts) }),
        clip(p.reason, 60),
      ],
    ),
  ].sort((x, y) => Number(x[0]) - Number(y[0]))
  return [
    head,
    ...renderTable(
      [
        { header: "LINE", align: "right" },
        { header: "STATE" },
        { header: "WRITE" },
        { header: "ATTEMPTS", align: "right" },
        { header: "LAST ERROR / REASON" },
      ],
      rows,
      paint,
    ),
  ]
}

const salesforceLines = (report: StatusReport, paint: Paint) => {
  const lines = ["Salesforce"]
  const jobs = report.openBulkJobs
  lines.push(`  unfinished Bulk jobs: ${jobs.length === 0 ? "none" : `${jobs.length} (the next sync collects them)`}`)
  if (jobs.length > 0) {
    lines.push(
      ...renderTable(
        [
          { header: "JOB ID" },
          { header: "WEEK" },
          { header: "STATE" },
          { header: "ROWS", align: "right" },
          { header: "CREATED" },
          { header: "RUN ID" },
        ],
        jobs.map((j) => [
          j.jobId,
          `${j.weekStart}..${j.weekEnd}`,
          j.state,
          count(j.recordCount),
          moment(j.createdAt),
          j.runId,
        ]),
        paint,
        "    ",
      ),
    )
  }
  const failures = report.salesforce.failures
  const total = failures.reduce((sum, f) => sum + f.rows, 0)
  lines.push(`  rows not in sync: ${count(total)}`)
  if (total > 0) {
    lines.push(
      ...renderTable(
        [{ header: "WEEK" }, { header: "OUTCOME" }, { header: "ERROR CODE" }, { header: "ROWS", align: "right" }],
        failures.map(
          (f): Array<Cell> => [
            f.weekStart === null ? "—" : `${f.weekStart}..${f.weekEnd}`,
            { text: f.outcome, style: "red" },
            f.errorCode ?? "—",
            count(f.rows),
          ],
        ),
        paint,
        "    ",
      ),
    )
  }
  return lines
}

const verdictLines = (report: StatusReport, exitCode: number, paint: Paint) =>
  report.problems.length === 0
    ? [paint(`Healthy: nothing needs a person (exit ${exitCode})`, "green")]
    : [paint(`Needs attention (exit ${exitCode})`, "red"), ...report.problems.map((p) => `  - ${p.message}`)]

/** `status` for a person: checkpoint, last runs, queue, Salesforce, then what needs attention. */
export const renderStatus = (report: StatusReport, exitCode: number, paint: Paint): string =>
  [
    `Warehouse    ${report.warehouse}`,
    ...checkpointLines(report, paint),
    "",
    "Last runs",
    ...(report.runs.length === 0 ? ["  none yet"] : runsTable(report.runs, paint)),
    "",
    ...queueLines(report, paint),
    "",
    ...salesforceLines(report, paint),
    "",
    ...verdictLines(report, exitCode, paint),
  ].join("\n")
