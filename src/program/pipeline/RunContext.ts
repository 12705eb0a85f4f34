import type { Week } from "../../domain/Week.js"
import type { WeekPaths } from "../../domain/WeekPaths.js"
import type { RunOptions } from "./RunOptions.js"

/** One run of one week: who it is, where its files are, and how it was asked to run. */
export interface RunContext {
  readonly runId: string
  /** Names the sidecars stages hand over with: AIRFLOW_CTX_DAG_RUN_ID made safe, else the run id. */
  readonly runTag: string
  readonly correlationId: string
  readonly week: Week
  readonly paths: WeekPaths
  readonly options: RunOptions
  /** Files go to the lake too (everything but `--local-only`). */
  readonly useLake: boolean
  /**
   * Stages run as separate processes (Airflow), perhaps on workers sharing nothing but the lake:
   * each puts its outputs and sidecar there and fetches what it lacks from there.
   */
  readonly handOffThroughLake: boolean
  /** An interruption (SIGTERM to the scheduler) waits for the current stage to finish. */
  readonly stopBetweenStages: boolean
}
