import { Schema } from "effect"
import { IsoDate } from "./Week.js"

/**
 * `state/extractor_state.json`: a copy of the warehouse checkpoint on local disk, for a person or a
 * script that wants to know which week runs next without a database client. The warehouse stays
 * the authority; `warehouse_synced` is false while the checkpoint write waits in the replay queue.
 */
export const CheckpointMirror = Schema.Struct({
  next_week_start: IsoDate,
  next_week_end: IsoDate,
  last_completed_week_start: IsoDate,
  last_completed_week_end: IsoDate,
  updated_at: Schema.String,
  warehouse_synced: Schema.Boolean,
})
export type CheckpointMirror = typeof CheckpointMirror.Type
