import type { Effect } from "effect"
import { Context } from "effect"
import type { WarehouseError } from "../domain/Errors.js"
import type { BulkJobState, RowResult } from "../domain/SalesforceResults.js"
import type { Week } from "../domain/Week.js"

/** A row as a job carries it: its external id and the content hash of the values sent. */
export interface JobRow {
  readonly externalId: string
  readonly contentHash: string
}

/** `Lost`: Salesforce no longer knows the job; its rows count as never sent. */
export type LedgerJobState = BulkJobState | "Lost"

export interface LedgerJob {
  readonly jobId: string
  readonly runId: string
  readonly weekStart: string
  readonly weekEnd: string
  readonly objectName: string
  readonly state: LedgerJobState
  readonly recordCount: number
  readonly createdAt: Date
  readonly updatedAt: Date
}

export interface NewJob {
  readonly jobId: string
  readonly runId: string
  readonly week: Week
  readonly objectName: string
  readonly rows: ReadonlyArray<JobRow>
}

export interface CollectedJob {
  readonly jobId: string
  /** The run that collected the results; it is recorded on every result row. */
  readonly runId: string
  readonly state: LedgerJobState
  readonly errorMessage: string | null
  /** One result per row of the job, each with the hash the row was sent with. */
  readonly results: ReadonlyArray<RowResult & { readonly contentHash: string }>
}

/**
 * The sync's memory, kept in the warehouse: which Bulk jobs were started and not yet collected
 * (the job ledger), which content each external id last reached Salesforce with (the sync
 * state), and what became of every row sent (the results).
 */
export class SyncLedger extends Context.Tag("retl/SyncLedger")<
  SyncLedger,
  {
    /** The hash each of these external ids was last synced with; ids never synced are absent. */
    readonly syncedHashes: (
      externalIds: ReadonlyArray<string>,
    ) => Effect.Effect<ReadonlyMap<string, string>, WarehouseError>
    /** Records a job and its rows before any data goes up, so a crash never loses track of it. */
    readonly recordJob: (job: NewJob) => Effect.Effect<void, WarehouseError>
    readonly updateJobState: (jobId: string, state: LedgerJobState) => Effect.Effect<void, WarehouseError>
    /** Jobs of `objectName` whose results were never collected, oldest first. */
    readonly unfinishedJobs: (objectName: string) => Effect.Effect<ReadonlyArray<LedgerJob>, WarehouseError>
    readonly jobRows: (jobId: string) => Effect.Effect<ReadonlyArray<JobRow>, WarehouseError>
    /**
     * In one transaction: stores every row's result, moves the sync state of the rows that
     * reached Salesforce to the hash they were sent with, and closes the job. Rows that failed
     * keep their old state, so the next run sends them again.
     */
    readonly collectJob: (job: CollectedJob) => Effect.Effect<void, WarehouseError>
  }
>() {}
