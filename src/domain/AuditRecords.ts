import { Schema } from "effect"
import { RunMetrics, RunStatus, StageName, StageStatus } from "./RunStatus.js"
import { Week } from "./Week.js"

/**
 * What the audit trail writes about a run and its stages. They are schemas because a write that
 * fails is queued to a JSONL file and replayed by a later process, so each must survive a round
 * trip through JSON exactly (dates as ISO strings, the week as its two dates).
 */
export const RunStart = Schema.Struct({
  runId: Schema.String,
  correlationId: Schema.String,
  week: Week,
  startedAt: Schema.Date,
})
export interface RunStart extends Schema.Schema.Type<typeof RunStart> {}

const Nullable = Schema.NullOr(Schema.String)

export const RunFinish = Schema.Struct({
  runId: Schema.String,
  status: RunStatus,
  metrics: RunMetrics,
  finishedAt: Schema.Date,
  outputPath: Nullable,
  rejectsPath: Nullable,
  errorType: Nullable,
  errorMessage: Nullable,
})
export interface RunFinish extends Schema.Schema.Type<typeof RunFinish> {}

export const StageStart = Schema.Struct({
  runId: Schema.String,
  stage: StageName,
  startedAt: Schema.Date,
})
export interface StageStart extends Schema.Schema.Type<typeof StageStart> {}

export const StageFinish = Schema.Struct({
  runId: Schema.String,
  stage: StageName,
  status: StageStatus,
  finishedAt: Schema.Date,
  rowsIn: Schema.NullOr(Schema.Number),
  rowsOut: Schema.NullOr(Schema.Number),
  errorType: Nullable,
  errorMessage: Nullable,
})
export interface StageFinish extends Schema.Schema.Type<typeof StageFinish> {}
