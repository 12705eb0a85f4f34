import { Option } from "effect"
import type { StageName } from "../../domain/RunStatus.js"
import type { Week } from "../../domain/Week.js"

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

/** A full run with every flag off, for the commands that build their runs (schedule, backfill, demo). */
export const fullRun = (overrides: Partial<RunOptions> = {}): RunOptions => ({
  weekStart: Option.none(),
  weekEnd: Option.none(),
  useCheckpoint: false,
  stage: "full",
  localOnly: false,
  dryRun: false,
  force: false,
  advanceOnSkip: false,
  validateOnly: false,
  requireSalesforce: false,
  fullResync: false,
  ...overrides,
})

/** A full run of one given week. */
export const runOfWeek = (week: Week, overrides: Partial<RunOptions> = {}): RunOptions =>
  fullRun({ weekStart: Option.some(week.start), weekEnd: Option.some(week.end), ...overrides })
