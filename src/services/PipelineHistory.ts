import type { Effect, Stream } from "effect"
import { Context, Option } from "effect"
import type { CheckpointError, WarehouseError } from "../domain/Errors.js"
import type { WarehouseSettings } from "./AppConfig.js"
import type { Checkpoint } from "./Warehouse.js"

/** A run as `pipeline_run` holds it, with what its stages add: where it failed and what it synced. */
export interface RunRecord {
  readonly runId: string
  readonly correlationId: string
  readonly weekStart: string
  readonly weekEnd: string
  /** RUNNING, SUCCESS, SUCCESS_WITH_REJECTS or FAILED (a run that died stays RUNNING). */
  readonly status: string
  readonly startedAt: Date
  readonly finishedAt: Date | null
  readonly rowsFetched: number | null
  /** Valid rows written to events.parquet (`rows_output`). */
  readonly rowsValid: number | null
  readonly rowsRejected: number | null
  readonly rejectRatePct: number | null
  readonly rejectThresholdPct: number | null
  /** Rows the salesforce-sync stage created or updated; null when that stage did not succeed. */
  readonly rowsSynced: number | null
  /** The stage recorded FAILED, if any. */
  readonly failedStage: string | null
  readonly errorType: string | null
  readonly errorMessage: string | null
  readonly outputPath: string | null
  readonly rejectsPath: string | null
}

/** A stage of a run as `pipeline_stage` holds it. */
export interface StageRecord {
  readonly stage: string
  readonly status: string
  readonly startedAt: Date | null
  readonly finishedAt: Date | null
  readonly rowsIn: number | null
  readonly rowsOut: number | null
  readonly errorType: string | null
  readonly errorMessage: string | null
}

/** A Bulk job of the ledger whose results were never collected. */
export interface OpenBulkJob {
  readonly jobId: string
  readonly runId: string
  readonly weekStart: string
  readonly weekEnd: string
  readonly objectName: string
  readonly state: string
  readonly recordCount: number
  readonly createdAt: Date
  readonly updatedAt: Date
}

/** How rows that are not in sync with Salesforce fail: one count per week, outcome and error code. */
export interface FailureCount {
  /** The week of the job that sent the rows; null for a result no ledger job accounts for. */
  readonly weekStart: string | null
  readonly weekEnd: string | null
  /** `failed` (Salesforce refused the row) or `unprocessed` (its job failed or was aborted first). */
  readonly outcome: string
  readonly errorCode: string | null
  readonly rows: number
}

/** A row whose last sync did not reach Salesforce, with Salesforce's reason. */
export interface FailedRow {
  readonly externalId: string
  readonly weekStart: string | null
  readonly weekEnd: string | null
  readonly outcome: string
  readonly errorCode: string | null
  readonly errorMessage: string | null
  /** The record the row would have updated, when Salesforce named one. */
  readonly salesforceId: string | null
  readonly runId: string
  readonly jobId: string
  readonly recordedAt: Date
}

/** A week to filter on: the one holding `day` (YYYY-MM-DD), or every week. */
export type DayFilter = Option.Option<string>

/**
 * What the warehouse remembers of the pipeline, for a person or a monitor: the checkpoint, the
 * runs and their stages, the Bulk jobs still open and the rows Salesforce did not take. Reads
 * only: an implementation never creates, migrates or writes anything.
 */
export class PipelineHistory extends Context.Tag("retl/PipelineHistory")<
  PipelineHistory,
  {
    readonly checkpoint: Effect.Effect<Option.Option<Checkpoint>, CheckpointError>
    /** Runs newest first, of the week holding the day when one is given. */
    readonly runs: (filter: {
      readonly week: DayFilter
      readonly limit: number
    }) => Effect.Effect<ReadonlyArray<RunRecord>, WarehouseError>
    /** One run and its stages, in the order they started. */
    readonly run: (
      runId: string,
    ) => Effect.Effect<
      Option.Option<{ readonly run: RunRecord; readonly stages: ReadonlyArray<StageRecord> }>,
      WarehouseError
    >
    /** Bulk jobs whose results were never collected, oldest first; the next sync collects them. */
    readonly openBulkJobs: Effect.Effect<ReadonlyArray<OpenBulkJob>, WarehouseError>
    /** The week of the Bulk job whose results were collected last: the week the last sync sent. */
    readonly lastSyncedWeek: Effect.Effect<
      Option.Option<{ readonly start: string; readonly end: string }>,
      WarehouseError
    >
    /** Rows whose last sync did not reach Salesforce, counted by week, outcome and error code. */
    readonly failureCounts: Effect.Effect<ReadonlyArray<FailureCount>, WarehouseError>
    /** Those rows one by one, by external id, in pages: a whole week may have failed. */
    readonly failedRows: (week: DayFilter) => Stream.Stream<FailedRow, WarehouseError>
  }
>() {}

/** The warehouse as the settings name it, for every message a person reads. */
export const describeWarehouse = (settings: WarehouseSettings): string =>
  settings.kind === "sqlite"
    ? `SQLite at SQLITE_PATH=${settings.sqlitePath}`
    : `SQL Server at AZURE_SQL_SERVER=${Option.getOrElse(settings.server, () => "(unset)")} AZURE_SQL_PORT=${settings.port} AZURE_SQL_DATABASE=${Option.getOrElse(settings.database, () => "(unset)")}`
