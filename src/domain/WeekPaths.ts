import { joinPath } from "./LakePath.js"
import type { StageName } from "./RunStatus.js"
import type { Week } from "./Week.js"

/** Where the pipeline keeps things, as configured (LOCAL_DATA_DIR, ADLS_BASE_PATH, ...). */
export interface Locations {
  readonly localDataDir: string
  readonly localRejectsDir: string
  readonly stateDir: string
  readonly lakeBasePath: string
  readonly lakeRejectsBasePath: string
}

/** Every file of one week, locally and in the lake. */
export interface WeekPaths {
  readonly week: Week
  readonly localDir: string
  readonly raw: string
  readonly events: string
  readonly localRejectsDir: string
  readonly rejects: string
  readonly lakeDir: string
  readonly lakeEvents: string
  readonly lakeRejects: string
  readonly lakeRaw: string
  /** Written last by a successful run: the week is done (`_SUCCESS.json`, ignored by Spark and Hive). */
  readonly marker: string
  readonly lakeMarker: string
  readonly sidecar: (stage: StageName, runTag: string) => string
  readonly lakeSidecar: (stage: StageName, runTag: string) => string
}

const sidecarName = (stage: StageName, runTag: string) => `_stage_${stage}_${runTag}.json`

export const weekPaths = (locations: Locations, week: Week): WeekPaths => {
  const localDir = joinPath(locations.localDataDir, week.partition)
  const localRejectsDir = joinPath(locations.localRejectsDir, week.partition)
  const lakeDir = joinPath(locations.lakeBasePath, week.partition)
  return {
    week,
    localDir,
    raw: joinPath(localDir, "raw.ndjson"),
    events: joinPath(localDir, "events.parquet"),
    localRejectsDir,
    rejects: joinPath(localRejectsDir, "rejects.parquet"),
    lakeDir,
    lakeEvents: joinPath(lakeDir, "events.parquet"),
    lakeRejects: joinPath(locations.lakeRejectsBasePath, week.partition, "rejects.parquet"),
    lakeRaw: joinPath(lakeDir, "raw.ndjson"),
    marker: joinPath(localDir, "_SUCCESS.json"),
    lakeMarker: joinPath(lakeDir, "_SUCCESS.json"),
    sidecar: (stage, runTag) => joinPath(localDir, sidecarName(stage, runTag)),
    lakeSidecar: (stage, runTag) => joinPath(lakeDir, sidecarName(stage, runTag)),
  }
}

export interface StatePaths {
  readonly checkpoint: string
  readonly pendingUpdates: string
}

export const statePaths = (locations: Locations): StatePaths => ({
  checkpoint: joinPath(locations.stateDir, "extractor_state.json"),
  pendingUpdates: joinPath(locations.stateDir, "pending_db_updates.jsonl"),
})
