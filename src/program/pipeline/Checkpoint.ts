import { Clock, Effect, Option } from "effect"
import type { CheckpointMirror } from "../../domain/CheckpointMirror.js"
import { ConfigurationError } from "../../domain/Errors.js"
import type { Week } from "../../domain/Week.js"
import type { WeekMarker } from "../../domain/WeekMarker.js"
import { AppConfig } from "../../services/AppConfig.js"
import { StateStore } from "../../services/StateStore.js"
import { Warehouse } from "../../services/Warehouse.js"
import { queueUpdate } from "./PendingQueue.js"
import type { RunContext } from "./RunContext.js"

/**
 * The checkpoint: which week runs next. The warehouse holds it; `state/extractor_state.json`
 * mirrors it for a person or a script; a move the warehouse could not take waits in the pending
 * queue. It moves only after a week went through, by exactly seven days.
 */

/** A weekly pipeline whose checkpoint has not moved in two weeks has missed at least one run. */
export const STALE_AFTER_DAYS = 14

const DAY_MS = 86_400_000

/** Days, with their fraction, since the checkpoint last moved. */
export const checkpointAgeDays = (updatedAt: Date, nowMs: number): number => (nowMs - updatedAt.getTime()) / DAY_MS

/** The rule the run's warning and `status` share: not moved for more than STALE_AFTER_DAYS. */
export const isStale = (ageDays: number): boolean => ageDays > STALE_AFTER_DAYS

/**
 * The week `--use-checkpoint` runs: the warehouse checkpoint's next week; WEEK_START/WEEK_END when
 * there is no checkpoint yet. A checkpoint that cannot be read stops the run (CheckpointError):
 * guessing a week could skip one or run one twice.
 */
export const weekFromCheckpoint = Effect.fn("Checkpoint.week")(function* () {
  const warehouse = yield* Warehouse
  const settings = yield* AppConfig
  const checkpoint = yield* warehouse.readCheckpoint
  if (Option.isNone(checkpoint)) {
    if (Option.isNone(settings.week)) {
      return yield* new ConfigurationError({
        message: "WEEK_START and WEEK_END must be set: the warehouse has no checkpoint yet to say which week runs next",
        details: { setting: "WEEK_START", rule: "required when there is no checkpoint" },
      })
    }
    yield* Effect.logInfo(`no checkpoint yet: running the configured week ${settings.week.value}`)
    return settings.week.value
  }
  const { next, updatedAt } = checkpoint.value
  const ageDays = checkpointAgeDays(updatedAt, yield* Clock.currentTimeMillis)
  if (isStale(ageDays)) {
    yield* Effect.logWarning(
      `the checkpoint was last updated ${Math.floor(ageDays)} days ago: runs may have been missed`,
    ).pipe(Effect.annotateLogs({ updated_at: updatedAt.toISOString(), next_week_start: next.start }))
  }
  return next
})

/** Writes `state/extractor_state.json`; a mirror that cannot be written is logged, never fatal. */
const mirrorCheckpoint = (completed: Week, next: Week, synced: boolean) =>
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
export const advanceCheckpoint = Effect.fn("Checkpoint.advance")(function* (completed: Week) {
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

/** A queued move, replayed: the mirror follows when the warehouse now points past `completed`. */
export const replayAdvance = (completed: Week) =>
  Effect.flatMap(Warehouse, (warehouse) =>
    warehouse
      .advanceCheckpoint(completed)
      .pipe(
        Effect.tap((next) =>
          next.start === completed.next.start ? mirrorCheckpoint(completed, next, true) : Effect.void,
        ),
      ),
  )

const readForRun = Effect.either(Effect.flatMap(Warehouse, (w) => w.readCheckpoint))

/**
 * The checkpoint moves only past the week it points at (or when there is none yet, or when the run
 * was asked for the checkpoint's week): an explicit run of a later week must not skip the weeks
 * in between, and a backfill of older weeks must not move it at all.
 */
const isDue = (ctx: RunContext) =>
  Effect.gen(function* () {
    if (ctx.options.useCheckpoint) return true
    const read = yield* readForRun
    if (read._tag === "Left") {
      yield* Effect.logWarning("cannot read the checkpoint to tell whether this week moves it; left as it is")
      return false
    }
    return Option.match(read.right, { onNone: () => true, onSome: (c) => c.next.start === ctx.week.start })
  })

/** Advances the checkpoint past the run's week when it is the one to move, and says where it points. */
export const advanceIfDue = Effect.fn("Checkpoint.advanceIfDue")(function* (ctx: RunContext) {
  if (!(yield* isDue(ctx))) {
    yield* Effect.logInfo("checkpoint left where it is: this week is not the one it points at")
    return Option.none<Week>()
  }
  return Option.some(yield* advanceCheckpoint(ctx.week))
})

/**
 * The marker of a done week whose run died before the end of it, when the checkpoint is owed the
 * move that run never made: it still points at the week (or there is none yet) and has not moved
 * since the marker was written. A checkpoint that came to the week after it was done (a backfill
 * ran ahead) is not owed a move.
 */
export const owedAdvance = (ctx: RunContext, marker: Option.Option<WeekMarker>) =>
  Effect.gen(function* () {
    if (Option.isNone(marker)) return marker
    const read = yield* readForRun
    if (read._tag === "Left") return Option.none<WeekMarker>()
    const owed = Option.match(read.right, {
      onNone: () => true,
      onSome: (c) => c.next.start === ctx.week.start && c.updatedAt.getTime() < Date.parse(marker.value.finished_at),
    })
    return owed ? marker : Option.none<WeekMarker>()
  })
