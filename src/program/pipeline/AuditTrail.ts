import { Cause, Clock, Effect, Option } from "effect"
import type { RunFinish, RunStart, StageFinish, StageStart } from "../../domain/AuditRecords.js"
import type { CheckpointMirror } from "../../domain/CheckpointMirror.js"
import { encodePendingLine, newPendingEntry, type PendingUpdate } from "../../domain/PendingUpdate.js"
import { secretScrubber } from "../../domain/SecretText.js"
import type { Week } from "../../domain/Week.js"
import { AppConfig, secretValues } from "../../services/AppConfig.js"
import { StateStore } from "../../services/StateStore.js"
import { Warehouse } from "../../services/Warehouse.js"

/**
 * The audit trail and the checkpoint, written best effort: a warehouse that is down never fails a
 * run that did its work. A failed checkpoint or run write is queued to `pending_db_updates.jsonl`
 * and replayed at the start of the next run (PendingReplay); a failed stage write is only logged,
 * as the run row says how the run ended.
 */

const reason = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  return error instanceof Error ? error.message : String(error)
}

export const describeUpdate = (update: PendingUpdate): string => {
  switch (update._tag) {
    case "AdvanceCheckpoint":
      return `the checkpoint after week ${update.completed}`
    case "StartRun":
      return `the start of run ${update.run.runId}`
    case "FinishRun":
      return `the end of run ${update.run.runId}`
  }
}

/** Appends the write to the replay queue; if even that fails, the log line carries the whole write. */
export const queueUpdate = (update: PendingUpdate, lastError: string) =>
  Effect.gen(function* () {
    const store = yield* StateStore
    const now = yield* Clock.currentTimeMillis
    const line = encodePendingLine({ ...newPendingEntry(update, new Date(now)), lastError })
    yield* store.appendPending(line).pipe(
      Effect.zipRight(
        Effect.logWarning(`could not write ${describeUpdate(update)} to the warehouse; queued for the next run`),
      ),
      Effect.catchAll((error) =>
        Effect.logError(
          `could not write ${describeUpdate(update)} to the warehouse, nor queue it: replay the pending_update by hand`,
        ).pipe(Effect.annotateLogs({ pending_update: line, queue_error: error.message })),
      ),
      Effect.annotateLogs({ warehouse_error: lastError }),
    )
  })

const bestEffort = <R>(
  write: Effect.Effect<unknown, unknown, R>,
  onFailure: (reason: string) => Effect.Effect<void, never, StateStore>,
): Effect.Effect<void, never, R | StateStore> =>
  write.pipe(
    Effect.asVoid,
    Effect.catchAllCause((cause) => (Cause.isInterruptedOnly(cause) ? Effect.interrupt : onFailure(reason(cause)))),
  )

const writeOrQueue = (update: PendingUpdate, write: Effect.Effect<unknown, unknown, Warehouse>) =>
  bestEffort(write, (lastError) => queueUpdate(update, lastError))

const writeOrLog = (what: string, write: Effect.Effect<unknown, unknown, Warehouse>) =>
  bestEffort(write, (error) =>
    Effect.logWarning(`could not record ${what} in the warehouse`).pipe(
      Effect.annotateLogs({ warehouse_error: error }),
    ),
  )

export const recordRunStart = (run: RunStart) =>
  writeOrQueue(
    { _tag: "StartRun", run },
    Effect.flatMap(Warehouse, (warehouse) => warehouse.startRun(run)),
  )

/**
 * An error message as the audit trail keeps it, every configured secret blanked out: behind each
 * layer's own scrubbing, for whatever message a client library or a defect brought along.
 */
const withoutSecrets = <A extends { readonly errorMessage: string | null }>(record: A): Effect.Effect<A> =>
  Effect.map(Effect.serviceOption(AppConfig), (settings) =>
    record.errorMessage === null || Option.isNone(settings)
      ? record
      : { ...record, errorMessage: secretScrubber(secretValues(settings.value))(record.errorMessage) },
  )

export const recordRunFinish = (finish: RunFinish) =>
  Effect.flatMap(withoutSecrets(finish), (run) =>
    writeOrQueue(
      { _tag: "FinishRun", run },
      Effect.flatMap(Warehouse, (warehouse) => warehouse.finishRun(run)),
    ),
  )

export const recordStageStart = (stage: StageStart) =>
  writeOrLog(
    `the start of stage ${stage.stage}`,
    Effect.flatMap(Warehouse, (warehouse) => warehouse.startStage(stage)),
  )

export const recordStageFinish = (finish: StageFinish) =>
  Effect.flatMap(withoutSecrets(finish), (stage) =>
    writeOrLog(
      `the end of stage ${stage.stage}`,
      Effect.flatMap(Warehouse, (warehouse) => warehouse.finishStage(stage)),
    ),
  )

/** Writes `state/extractor_state.json`; a mirror that cannot be written is logged, never fatal. */
export const mirrorCheckpoint = (completed: Week, next: Week, synced: boolean) =>
  Effect.gen(function* () {
    const store = yield* StateStore
    const now = yield* Clock.currentTimeMillis
    const mirror: CheckpointMirror = {
      next_week_start: next.start,
      next_week_end: next.end,
      last_completed_week_start: completed.start,
      last_completed_week_end: completed.end,
      updated_at: new Date(now).toISOString(),
      warehouse_synced: synced,
    }
    yield* store
      .writeCheckpointMirror(mirror)
      .pipe(
        Effect.catchAll((error) =>
          Effect.logWarning("could not write the checkpoint mirror").pipe(
            Effect.annotateLogs({ error_message: error.message }),
          ),
        ),
      )
  })

/**
 * Moves the checkpoint on from `completed` (by exactly seven days) after a successful run, and
 * mirrors it to disk. Answers the week that runs next. When the warehouse cannot take the write
 * it is queued, and the mirror says so.
 */
export const advanceCheckpoint = (completed: Week): Effect.Effect<Week, never, Warehouse | StateStore> =>
  Effect.gen(function* () {
    const warehouse = yield* Warehouse
    const written = yield* Effect.either(warehouse.advanceCheckpoint(completed))
    if (written._tag === "Left") yield* queueUpdate({ _tag: "AdvanceCheckpoint", completed }, written.left.message)
    const next = written._tag === "Right" ? written.right : completed.next
    yield* mirrorCheckpoint(completed, next, written._tag === "Right")
    yield* Effect.logInfo(`checkpoint: week ${next} runs next`).pipe(
      Effect.annotateLogs({ next_week_start: next.start, next_week_end: next.end }),
    )
    return next
  })
