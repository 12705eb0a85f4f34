import { Schema } from "effect"
import { StageName } from "./RunStatus.js"

/**
 * `_stage_{name}_{run_tag}.json`: what a finished stage hands to the next `--stage` process. It
 * names the run it belongs to, so a later stage in another process joins the same run row; its
 * `output` is checked against the stage's own output schema when read back.
 */
export const StageSidecar = Schema.Struct({
  stage: StageName,
  run_id: Schema.String,
  run_tag: Schema.String,
  week_start: Schema.String,
  week_end: Schema.String,
  finished_at: Schema.String,
  duration_ms: Schema.Number,
  output: Schema.Unknown,
})
export type StageSidecar = typeof StageSidecar.Type

export const decodeSidecar = Schema.decodeUnknownEither(Schema.parseJson(StageSidecar))
