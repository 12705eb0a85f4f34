import { Schema } from "effect"
import { RunStatus } from "../../domain/RunStatus.js"

/**
 * What each stage hands to the next, as its sidecar carries it. Schemas, because a sidecar is
 * read back by another process (another Airflow worker, maybe) and must be checked, not trusted.
 */
export const Facts = Schema.Struct({ path: Schema.String, sizeBytes: Schema.Number, sha256: Schema.String })
export type Facts = typeof Facts.Type

export const ExtractOutput = Schema.Struct({
  raw: Facts,
  rowsFetched: Schema.Number,
  pages: Schema.Number,
})
export type ExtractOutput = typeof ExtractOutput.Type

export const TransformOutput = Schema.Struct({
  rowsFetched: Schema.Number,
  rowsValid: Schema.Number,
  rowsRejected: Schema.Number,
  events: Facts,
  rejects: Facts,
  topRejectReasons: Schema.Array(Schema.Struct({ reason: Schema.String, count: Schema.Number })),
})
export type TransformOutput = typeof TransformOutput.Type

export const LoadOutput = Schema.Struct({
  /** The lake copies; null with `--local-only`. */
  lakeEvents: Schema.NullOr(Facts),
  lakeRejects: Schema.NullOr(Facts),
  warehouseRows: Schema.Number,
})
export type LoadOutput = typeof LoadOutput.Type

export const GateOutput = Schema.Struct({
  status: RunStatus,
  rejectRatePct: Schema.Number,
  thresholdPct: Schema.Number,
})
export type GateOutput = typeof GateOutput.Type

export const SyncOutput = Schema.Struct({
  skipped: Schema.Boolean,
  reason: Schema.NullOr(Schema.String),
  sent: Schema.Number,
  created: Schema.Number,
  updated: Schema.Number,
  failed: Schema.Number,
  unchanged: Schema.Number,
  jobs: Schema.Number,
})
export type SyncOutput = typeof SyncOutput.Type

/** Each stage's output schema, by stage name. */
export const STAGE_OUTPUTS = {
  extract: ExtractOutput,
  transform: TransformOutput,
  load: LoadOutput,
  "quality-gate": GateOutput,
  "salesforce-sync": SyncOutput,
} as const

export type StageOutputs = { readonly [S in keyof typeof STAGE_OUTPUTS]: (typeof STAGE_OUTPUTS)[S]["Type"] }
