import { Schema } from "effect"
import { FileFacts } from "./FileFacts.js"
import { RunMetrics, RunStatus } from "./RunStatus.js"

/** `_SUCCESS.json`: written last, when the whole week went through; its presence means "done". */
export const WeekMarker = Schema.Struct({
  run_id: Schema.String,
  run_tag: Schema.String,
  week_start: Schema.String,
  week_end: Schema.String,
  status: RunStatus,
  metrics: RunMetrics,
  events: FileFacts,
  rejects: FileFacts,
  finished_at: Schema.String,
})
export type WeekMarker = typeof WeekMarker.Type
