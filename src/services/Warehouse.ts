import type { Effect, Option, Stream } from "effect"
import { Context, Schedule } from "effect"
import type { RunFinish, RunStart, StageFinish, StageStart } from "../domain/AuditRecords.js"
import type { CustomerWeeklyMetrics } from "../domain/CustomerMetrics.js"
import { CheckpointError, WarehouseError } from "../domain/Errors.js"
import type { EventRow } from "../domain/OutputRows.js"
import type { Week } from "../domain/Week.js"

export type { RunFinish, RunStart, StageFinish, StageStart }

/** Which week runs next, as `pipeline_checkpoint` holds it. */
export interface Checkpoint {
  readonly next: Week
  readonly updatedAt: Date
}

/** A migration the warehouse applied, e.g. `{ id: 1, name: "core" }` for `0001_core`. */
export interface AppliedMigration {
  readonly id: number
  readonly name: string
}

/**
 * The warehouse: checkpoint, audit trail, the week's events and the export view. Azure SQL in
 * production, SQLite embedded; both behind @effect/sql. Every write is idempotent, so a write
 * replayed from the pending-update queue never doubles anything.
 */
export class Warehouse extends Context.Tag("retl/Warehouse")<
  Warehouse,
  {
    /** Applies every migration not applied yet; answers the ones it applied (none when up to date). */
    readonly migrate: Effect.Effect<ReadonlyArray<AppliedMigration>, WarehouseError>
    readonly readCheckpoint: Effect.Effect<Option.Option<Checkpoint>, CheckpointError>
    /**
     * Sets the next week to `completed.next`, unless the checkpoint is already past it (a replayed
     * or late write never moves it back). Answers the week that is next afterwards.
     */
    readonly advanceCheckpoint: (completed: Week) => Effect.Effect<Week, WarehouseError>
    /** Records a run as RUNNING; a run already recorded is left as it is. */
    readonly startRun: (run: RunStart) => Effect.Effect<void, WarehouseError>
    /** Fails when the run was never started: its start may still wait in the replay queue. */
    readonly finishRun: (run: RunFinish) => Effect.Effect<void, WarehouseError>
    /** Records a stage as RUNNING, replacing what an earlier attempt of the same stage left. */
    readonly startStage: (stage: StageStart) => Effect.Effect<void, WarehouseError>
    readonly finishStage: (stage: StageFinish) => Effect.Effect<void, WarehouseError>
    /**
     * Replaces the week's rows of `ecom_events` (every row whose batch_week_start is `week.start`)
     * with `rows`, in one transaction, in batches: a failure anywhere (in the stream or the
     * database) leaves the week as it was, and a transient database error (busy, locked, deadlock
     * victim) redoes the whole load. Every row must belong to `week`. Answers the number of rows
     * loaded.
     */
    readonly loadWeek: <E>(week: Week, rows: Stream.Stream<EventRow, E>) => Effect.Effect<number, WarehouseError | E>
    /** The export view's rows for the week, one per customer, ordered by user id, streamed in pages. */
    readonly exportRows: (week: Week) => Stream.Stream<CustomerWeeklyMetrics, WarehouseError>
  }
>() {}

/** True for our errors of a statement the database says may pass (busy, locked, deadlock victim, a dropped connection). */
export const isTransientWarehouseError = (error: unknown): error is WarehouseError | CheckpointError =>
  (error instanceof WarehouseError || error instanceof CheckpointError) && error.details.transient === true

/** 1 s, 2 s between attempts, 3 attempts in all; only for errors the database says may pass. */
export const warehouseRetry = Schedule.exponential("1 second").pipe(
  Schedule.intersect(Schedule.recurs(2)),
  Schedule.whileInput(isTransientWarehouseError),
)
