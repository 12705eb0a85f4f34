import { Option } from "effect"
import { rejectRatePct } from "../../domain/RunStatus.js"
import type { RunOutcome } from "./Pipeline.js"

const n = (value: number) => value.toLocaleString("en-US")

const size = (bytes: number) =>
  bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} KB`

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`

/** A run's outcome as a person reads it: counts, reasons, files, Salesforce, time per stage. */
export const renderSummary = (outcome: RunOutcome): string => {
  const lines: Array<string> = []
  const { outputs } = outcome
  lines.push(
    `Week ${outcome.week}  ${outcome.dryRun ? "(dry run)  " : ""}status ${outcome.status}  run ${outcome.runId}`,
  )
  if (outcome.status === "SKIPPED") {
    lines.push("  already done: nothing ran (use --force to redo it)")
    if (outcome.lakeCopiesRedone > 0) lines.push(`  lake copies uploaded again: ${outcome.lakeCopiesRedone}`)
  }
  Option.map(outcome.validation, (v) => {
    const rate = rejectRatePct(v.rowsFetched, v.rowsRejected)
    const gate = outputs["quality-gate"]
    lines.push(`  rows fetched   ${n(v.rowsFetched)}`)
    lines.push(`  valid          ${n(v.rowsValid)}`)
    lines.push(
      `  rejected       ${n(v.rowsRejected)}  (${rate.toFixed(2)}%${gate ? `, threshold ${gate.thresholdPct}%` : ""})`,
    )
    if (v.topRejectReasons.length > 0) {
      lines.push("  top reject reasons:")
      for (const r of v.topRejectReasons) lines.push(`    ${n(r.count).padStart(9)}  ${r.reason}`)
    }
  })
  const transform = outputs.transform
  if (transform) {
    lines.push("  files:")
    const raw = outputs.extract?.raw
    if (raw)
      lines.push(`    ${size(raw.sizeBytes).padStart(10)}  ${raw.path} (intermediate, removed when the week is done)`)
    for (const f of [transform.events, transform.rejects])
      lines.push(`    ${size(f.sizeBytes).padStart(10)}  ${f.path}`)
  }
  const load = outputs.load
  if (load) {
    if (load.lakeEvents) lines.push(`  lake: ${load.lakeEvents.path} and ${load.lakeRejects?.path ?? "no rejects"}`)
    lines.push(`  warehouse: ${n(load.warehouseRows)} rows in ecom_events`)
  }
  const sync = outputs["salesforce-sync"]
  if (sync) {
    lines.push(
      sync.skipped
        ? `  salesforce: skipped (${sync.reason ?? "not configured"})`
        : `  salesforce: ${n(sync.sent)} customers sent in ${sync.jobs} job(s): ${n(sync.created)} created, ${n(sync.updated)} updated, ${n(sync.failed)} failed; ${n(sync.unchanged)} unchanged, not sent`,
    )
  }
  if (outcome.stages.length > 0) {
    lines.push(`  stages: ${outcome.stages.map((s) => `${s.stage} ${seconds(s.durationMs)}`).join(", ")}`)
  }
  Option.map(outcome.nextWeek, (next) => lines.push(`  checkpoint: week ${next} runs next`))
  return lines.join("\n")
}

/** The outcome as one JSON object (stdout of `run --log-format json`), for scripts. */
export const outcomeJson = (outcome: RunOutcome) => ({
  run_id: outcome.runId,
  run_tag: outcome.runTag,
  week_start: outcome.week.start,
  week_end: outcome.week.end,
  status: outcome.status,
  dry_run: outcome.dryRun,
  validation: Option.getOrNull(outcome.validation),
  stages: outcome.stages.map((s) => ({ stage: s.stage, duration_ms: s.durationMs })),
  outputs: outcome.outputs,
  next_week: Option.match(outcome.nextWeek, { onNone: () => null, onSome: (w) => ({ start: w.start, end: w.end }) }),
  lake_copies_redone: outcome.lakeCopiesRedone,
})
