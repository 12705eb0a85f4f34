import { Cause, Effect, Option } from "effect"
import type { RunFinish, RunStart, StageFinish, StageStart } from "../../domain/AuditRecords.js"
import { isPipelineError } from "../../domain/Errors.js"
import type { PendingUpdate } from "../../domain/PendingUpdate.js"
import { secretScrubber } from "../../domain/SecretText.js"
import { AppConfig, secretValues } from "../../services/AppConfig.js"
import type { StateStore } from "../../services/StateStore.js"
import { Warehouse } from "../../services/Warehouse.js"
import { replayAdvance } from "./Checkpoint.js"
import { queueUpdate } from "./PendingQueue.js"

/**
 * The audit trail, `pipeline_run` and `pipeline_stage`, written best effort: a warehouse that is
 * down never fails a run that did its work. A failed run write is queued to the pending queue and
 * replayed at the start of the next run; a failed stage write is only logged, as the run row says
 * how the run ended.
 */

/** The error of a failed effect as the audit trail records it: its tag and message, or the defect. */
export const describeFailure = (cause: Cause.Cause<unknown>): { errorType: string; errorMessage: string } => {
  if (Cause.isInterruptedOnly(cause)) return { errorType: "Interrupted", errorMessage: "the run was interrupted" }
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure) && isPipelineError(failure.value)) {
    return { errorType: failure.value._tag, errorMessage: failure.value.message }
  }
  const squashed = Cause.squash(cause)
  return { errorType: "Defect", errorMessage: squashed instanceof Error ? squashed.message : String(squashed) }
}

const reason = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  return error instanceof Error ? error.message : String(error)
}

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

export const recordRunStart = (run: RunStart) =>
  writeOrQueue(
    { _tag: "StartRun", run },
    Effect.flatMap(Warehouse, (warehouse) => warehouse.startRun(run)),
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

/** A queued write made again by its replay: run rows here, the checkpoint's move by the checkpoint. */
export const replayWrite = (update: PendingUpdate) => {
  switch (update._tag) {
    case "AdvanceCheckpoint":
      return replayAdvance(update.completed)
    case "StartRun":
      return Effect.flatMap(Warehouse, (warehouse) => warehouse.startRun(update.run))
    case "FinishRun":
      return Effect.flatMap(Warehouse, (warehouse) => warehouse.finishRun(update.run))
  }
}
