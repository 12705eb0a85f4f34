import type { Option } from "effect"
import type { StageName } from "../domain/RunStatus.js"

/** What `reverse-etl run` was asked to do. */
export interface RunOptions {
  readonly weekStart: Option.Option<string>
  readonly weekEnd: Option.Option<string>
  readonly useCheckpoint: boolean
  readonly stage: "full" | StageName
  readonly localOnly: boolean
  readonly dryRun: boolean
  readonly force: boolean
  readonly advanceOnSkip: boolean
  /** Check the flags and settings, print the plan, run nothing. */
  readonly validateOnly: boolean
  /** Fail the salesforce-sync stage when no Salesforce credentials are set, instead of skipping it. */
  readonly requireSalesforce: boolean
  /** Send every row of the week to Salesforce, not only those changed since their last sync. */
  readonly fullResync: boolean
}
