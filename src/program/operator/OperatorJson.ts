import { Option } from "effect"
import type { FailedRow, OpenBulkJob, RunRecord, StageRecord } from "../../services/PipelineHistory.js"
import { STALE_AFTER_DAYS } from "../pipeline/Checkpoint.js"
import { describeUpdate } from "../pipeline/PendingQueue.js"
import type { StatusReport } from "./StatusReport.js"
import { between } from "./TextTable.js"

/**
 * The `--json` objects of the operator's commands. The field names are a contract with scripts
 * and monitors (the README lists them): snake_case, moments as ISO-8601 UTC, dates as
 * YYYY-MM-DD, null where there is no value; fields are added, never renamed.
 */

const iso = (date: Date | null) => (date === null ? null : date.toISOString())

export const runJson = (run: RunRecord) => ({
  run_id: run.runId,
  correlation_id: run.correlationId,
  week_start: run.weekStart,
  week_end: run.weekEnd,
  status: run.status,
  started_at: iso(run.startedAt),
  finished_at: iso(run.finishedAt),
  duration_ms: between(run.startedAt, run.finishedAt),
  rows_fetched: run.rowsFetched,
  rows_valid: run.rowsValid,
  rows_rejected: run.rowsRejected,
  reject_rate_pct: run.rejectRatePct,
  reject_threshold_pct: run.rejectThresholdPct,
  rows_synced: run.rowsSynced,
  failed_stage: run.failedStage,
  error_type: run.errorType,
  error_message: run.errorMessage,
  output_path: run.outputPath,
  rejects_path: run.rejectsPath,
})

export const stageJson = (stage: StageRecord) => ({
  stage: stage.stage,
  status: stage.status,
  started_at: iso(stage.startedAt),
  finished_at: iso(stage.finishedAt),
  duration_ms: between(stage.startedAt, stage.finishedAt),
  rows_in: stage.rowsIn,
  rows_out: stage.rowsOut,
  error_type: stage.errorType,
  error_message: stage.errorMessage,
})

const jobJson = (job: OpenBulkJob) => ({
  job_id: job.jobId,
  run_id: job.runId,
  week_start: job.weekStart,
  week_end: job.weekEnd,
  object_name: job.objectName,
  state: job.state,
  record_count: job.recordCount,
  created_at: iso(job.createdAt),
  updated_at: iso(job.updatedAt),
})

/** A failed row as the CSV of `salesforce failures` writes it, columns in this order. */
export const failedRowRecord = (row: FailedRow) => ({
  external_id: row.externalId,
  week_start: row.weekStart,
  week_end: row.weekEnd,
  outcome: row.outcome,
  error_code: row.errorCode,
  error_message: row.errorMessage,
  salesforce_id: row.salesforceId,
  run_id: row.runId,
  job_id: row.jobId,
  recorded_at: iso(row.recordedAt),
})

export const statusJson = (report: StatusReport, exitCode: number) => ({
  status: report.problems.length === 0 ? "healthy" : "needs_attention",
  exit_code: exitCode,
  generated_at: iso(report.generatedAt),
  warehouse: report.warehouse,
  problems: report.problems.map((p) => ({ kind: p.kind, message: p.message })),
  checkpoint: Option.match(report.checkpoint, {
    onNone: () => null,
    onSome: (c) => ({
      next_week_start: c.nextWeekStart,
      next_week_end: c.nextWeekEnd,
      updated_at: iso(c.updatedAt),
      age_days: Math.round(c.ageDays * 100) / 100,
      stale: c.stale,
      stale_after_days: STALE_AFTER_DAYS,
    }),
  }),
  runs: report.runs.map(runJson),
  pending_queue: {
    path: report.queue.path,
    waiting: report.queue.waiting.map((w) => ({
      line: w.line,
      write: describeUpdate(w.entry.update),
      attempts: w.entry.attempts,
      queued_at: iso(w.entry.queuedAt),
      last_error: w.entry.lastError,
    })),
    poison: report.queue.poison.map((p) => ({
      line: p.line,
      reason: p.reason,
      write: Option.getOrNull(Option.map(p.entry, (e) => describeUpdate(e.update))),
      attempts: Option.getOrNull(Option.map(p.entry, (e) => e.attempts)),
      last_error: Option.getOrNull(Option.flatMap(p.entry, (e) => Option.fromNullable(e.lastError))),
      text: p.text,
    })),
  },
  salesforce: {
    open_bulk_jobs: report.openBulkJobs.map(jobJson),
    last_synced_week: Option.getOrNull(report.salesforce.lastSyncedWeek),
    rows_not_in_sync: report.salesforce.failures.reduce((sum, f) => sum + f.rows, 0),
    not_in_sync: report.salesforce.failures.map((f) => ({
      week_start: f.weekStart,
      week_end: f.weekEnd,
      outcome: f.outcome,
      error_code: f.errorCode,
      rows: f.rows,
    })),
  },
})
