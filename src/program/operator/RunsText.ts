import type { RunRecord, StageRecord } from "../../services/PipelineHistory.js"
import { between, type Cell, clip, count, duration, moment, type Paint, renderTable, statusStyle } from "./TextTable.js"

const rate = (run: RunRecord) =>
  run.rejectRatePct === null
    ? ""
    : ` (${run.rejectRatePct.toFixed(2)}%${run.rejectThresholdPct === null ? "" : `, threshold ${run.rejectThresholdPct}%`})`

const stagesTable = (stages: ReadonlyArray<StageRecord>, paint: Paint) =>
  renderTable(
    [
      { header: "STAGE" },
      { header: "STATUS" },
      { header: "STARTED" },
      { header: "DURATION", align: "right" },
      { header: "ROWS IN", align: "right" },
      { header: "ROWS OUT", align: "right" },
      { header: "ERROR" },
    ],
    stages.map(
      (s): Array<Cell> => [
        s.stage,
        { text: s.status, style: statusStyle(s.status) },
        moment(s.startedAt),
        duration(between(s.startedAt, s.finishedAt)),
        count(s.rowsIn),
        count(s.rowsOut),
        s.errorType === null ? "—" : { text: clip(`${s.errorType}: ${s.errorMessage ?? ""}`, 70), style: "red" },
      ],
    ),
    paint,
  )

/** One run for a person: its week, counts, error and files, then its stages; errors in full. */
export const renderRun = (run: RunRecord, stages: ReadonlyArray<StageRecord>, paint: Paint): string => {
  const lines = [
    `Run ${paint(run.runId, "bold")}  week ${run.weekStart}..${run.weekEnd}  ${paint(run.status, statusStyle(run.status) ?? "bold")}`,
    `  correlation id  ${run.correlationId}`,
    `  started         ${moment(run.startedAt)}   finished ${moment(run.finishedAt)}   duration ${duration(between(run.startedAt, run.finishedAt))}`,
    `  rows            fetched ${count(run.rowsFetched)}, valid ${count(run.rowsValid)}, rejected ${count(run.rowsRejected)}${rate(run)}, synced to Salesforce ${count(run.rowsSynced)}`,
  ]
  if (run.failedStage !== null || run.errorType !== null) {
    lines.push(
      `  failed          ${run.failedStage ?? "—"}: ${paint(run.errorType ?? "", "red")}${run.errorMessage === null ? "" : `: ${run.errorMessage}`}`,
    )
  }
  lines.push(`  events          ${run.outputPath ?? "—"}`, `  rejects         ${run.rejectsPath ?? "—"}`, "", "Stages")
  lines.push(...(stages.length === 0 ? ["  none recorded"] : stagesTable(stages, paint)))
  for (const s of stages.filter((s) => s.errorMessage !== null)) {
    lines.push("", `${s.stage} ${paint("failed", "red")}: ${s.errorType ?? ""}: ${s.errorMessage}`)
  }
  return lines.join("\n")
}
