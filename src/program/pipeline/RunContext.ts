import type { Week } from "../../domain/Week.js"
import type { WeekPaths } from "../../domain/WeekPaths.js"
import type { RunOptions } from "./RunOptions.js"
import type { LakeUse } from "./WeekFiles.js"

/** One run of one week: who it is, where its files are, and how it was asked to run. */
export interface RunContext {
  readonly runId: string
  /** Names the sidecars stages hand over with: AIRFLOW_CTX_DAG_RUN_ID made safe, else the run id. */
  readonly runTag: string
  readonly correlationId: string
  readonly week: Week
  readonly paths: WeekPaths
  readonly options: RunOptions
  /** What the lake is to this run; only WeekFiles reads it. */
  readonly lake: LakeUse
  /** An interruption (SIGTERM to the scheduler) waits for the current stage to finish. */
  readonly stopBetweenStages: boolean
}
