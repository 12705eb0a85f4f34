import { Schema } from "effect"

export const RunStatus = Schema.Literal("SUCCESS", "SUCCESS_WITH_REJECTS", "FAILED", "SKIPPED")
export type RunStatus = typeof RunStatus.Type

/** The stages in the order a full run takes them; also the values of `--stage`. */
export const STAGES = ["extract", "transform", "load", "quality-gate", "salesforce-sync"] as const
export const StageName = Schema.Literal(...STAGES)
export type StageName = typeof StageName.Type

export const StageStatus = Schema.Literal("RUNNING", "SUCCESS", "FAILED", "SKIPPED")
export type StageStatus = typeof StageStatus.Type

/** What a run reports about its week; written to `pipeline_run` and to the run summary. */
export const RunMetrics = Schema.Struct({
  rows_fetched: Schema.Number,
  rows_output: Schema.Number,
  rows_rejected: Schema.Number,
  reject_rate_pct: Schema.Number,
  reject_threshold_pct: Schema.Number,
})
export type RunMetrics = typeof RunMetrics.Type

/** rejected / fetched × 100, and 0 for an empty week (nothing was rejected). */
export const rejectRatePct = (fetched: number, rejected: number): number =>
  fetched === 0 ? 0 : (rejected / fetched) * 100

export const runMetrics = (fetched: number, rejected: number, thresholdPct: number): RunMetrics => ({
  rows_fetched: fetched,
  rows_output: fetched - rejected,
  rows_rejected: rejected,
  reject_rate_pct: rejectRatePct(fetched, rejected),
  reject_threshold_pct: thresholdPct,
})

/** The status of a run that passed its quality gate. */
export const successStatus = (rejected: number): RunStatus => (rejected === 0 ? "SUCCESS" : "SUCCESS_WITH_REJECTS")
