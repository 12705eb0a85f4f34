import type { Effect, Option, Stream } from "effect"
import { Context } from "effect"
import type { CustomerWeeklyMetrics } from "../domain/CustomerMetrics.js"
import type { CheckpointError, WarehouseError } from "../domain/Errors.js"
import type { EventRow } from "../domain/OutputRows.js"
import type { RunMetrics, RunStatus, StageName, StageStatus } from "../domain/RunStatus.js"
import type { Week } from "../domain/Week.js"

/** Which week runs next, as `pipeline_checkpoint` holds it. */
export interface Checkpoint {
  readonly next: Week
  readonly updatedAt: Date
}

export interface RunStart {
  readonly runId: string
  readonly correlationId: string
  readonly week: Week
  readonly startedAt: Date
}

export interface RunFinish {
  readonly runId: string
  readonly status: RunStatus
  readonly metrics: RunMetrics
  readonly finishedAt: Date
  readonly outputPath: string | null
  readonly rejectsPath: string | null
  readonly errorType: string | null
  readonly errorMessage: string | null
}

export interface StageStart {
  readonly runId: string
  readonly stage: StageName
  readonly startedAt: Date
}

export interface StageFinish {
  readonly runId: string
  readonly stage: StageName
  readonly status: StageStatus
  readonly finishedAt: Date
  readonly rowsIn: number | null
  readonly rowsOut: number | null
  readonly errorType: string | null
  readonly errorMessage: string | null
}

/**
 * The warehouse: checkpoint, audit trail, the week's events and the export view. Azure SQL in
 * production, SQLite embedded; both behind @effect/sql.
 */
export class Warehouse extends Context.Tag("retl/Warehouse")<
  Warehouse,
  {
    /** Applies every migration not applied yet. */
    readonly migrate: Effect.Effect<void, WarehouseError>
    readonly readCheckpoint: Effect.Effect<Option.Option<Checkpoint>, CheckpointError>
    /** Sets the next week to `completed.next`. */
    readonly advanceCheckpoint: (completed: Week) => Effect.Effect<Week, WarehouseError>
    readonly startRun: (run: RunStart) => Effect.Effect<void, WarehouseError>
    readonly finishRun: (run: RunFinish) => Effect.Effect<void, WarehouseError>
    readonly startStage: (stage: StageStart) => Effect.Effect<void, WarehouseError>
    readonly finishStage: (stage: StageFinish) => Effect.Effect<void, WarehouseError>
    /** Replaces the week's rows of `ecom_events` with `rows`, in one transaction, in batches. */
    readonly loadWeek: <E>(week: Week, rows: Stream.Stream<EventRow, E>) => Effect.Effect<number, WarehouseError | E>
    /** The export view's rows for the week, streamed in batches. */
    readonly exportRows: (week: Week) => Stream.Stream<CustomerWeeklyMetrics, WarehouseError>
  }
>() {}
