import { Effect } from "effect"
import { decodePendingLine, encodePendingLine, type PendingUpdate } from "../../domain/PendingUpdate.js"
import { StateStore } from "../../services/StateStore.js"
import { Warehouse } from "../../services/Warehouse.js"
import { describeUpdate, mirrorCheckpoint } from "./AuditTrail.js"

/** A line that failed this many replays is reported as poison at every run until someone looks. */
export const POISON_AFTER_ATTEMPTS = 5

export interface ReplaySummary {
  /** Lines written to the warehouse and removed from the queue. */
  readonly replayed: number
  /** Lines kept because the write failed again (poison ones included). */
  readonly kept: number
  /** Lines that cannot be read, or that failed POISON_AFTER_ATTEMPTS times. */
  readonly poison: number
}

const apply = (update: PendingUpdate) =>
  Effect.flatMap(Warehouse, (warehouse) => {
    switch (update._tag) {
      case "AdvanceCheckpoint":
        return warehouse
          .advanceCheckpoint(update.completed)
          .pipe(
            Effect.tap((next) =>
              next.start === update.completed.next.start ? mirrorCheckpoint(update.completed, next, true) : Effect.void,
            ),
          )
      case "StartRun":
        return warehouse.startRun(update.run)
      case "FinishRun":
        return warehouse.finishRun(update.run)
    }
  })

const preview = (line: string) => (line.length > 200 ? `${line.slice(0, 200)}…` : line)

/**
 * Replays the queue of failed warehouse writes, in order, before a run does anything else.
 * Replayed lines leave the queue; a line that fails again stays, its attempt count raised, in its
 * place, so a run's end stays behind its start. Nothing is ever dropped: a line that cannot be
 * read (torn, hand-edited, from another version) or that keeps failing is a poison line, kept
 * verbatim for a person to fix or delete, counted and logged at ERROR on every run, and it never
 * stops the lines after it. Replay itself never fails the run: every write is idempotent, so a
 * queue that could not be rewritten is simply replayed again next time.
 */
export const replayPendingUpdates: Effect.Effect<ReplaySummary, never, Warehouse | StateStore> = Effect.gen(
  function* () {
    const store = yield* StateStore
    const lines = yield* store.readPending
    if (lines.length === 0) return { replayed: 0, kept: 0, poison: 0 }
    const keep: Array<string> = []
    let replayed = 0
    let poison = 0
    for (const [index, line] of lines.entries()) {
      const annotations = { pending_line: index + 1 }
      const decoded = decodePendingLine(line)
      if (decoded._tag === "Left") {
        poison++
        keep.push(line)
        yield* Effect.logError("a pending warehouse update cannot be read; kept in the queue for a person").pipe(
          Effect.annotateLogs({ ...annotations, problem: decoded.left, line: preview(line) }),
        )
        continue
      }
      const entry = decoded.right
      const result = yield* Effect.either(apply(entry.update))
      if (result._tag === "Right") {
        replayed++
        yield* Effect.logInfo(`replayed ${describeUpdate(entry.update)}`).pipe(Effect.annotateLogs(annotations))
        continue
      }
      const attempts = entry.attempts + 1
      keep.push(encodePendingLine({ ...entry, attempts, lastError: result.left.message }))
      const stuck = attempts >= POISON_AFTER_ATTEMPTS
      if (stuck) poison++
      const log = stuck ? Effect.logError : Effect.logWarning
      yield* log(`could not replay ${describeUpdate(entry.update)}; kept in the queue`).pipe(
        Effect.annotateLogs({ ...annotations, attempts, warehouse_error: result.left.message }),
      )
    }
    yield* store.settlePending(lines.length, keep)
    const summary = { replayed, kept: keep.length, poison }
    yield* Effect.logInfo("pending warehouse updates replayed").pipe(Effect.annotateLogs(summary))
    return summary
  },
).pipe(
  Effect.catchTag("LocalStorageError", (error) =>
    Effect.logError("could not read or rewrite the pending warehouse updates; they stay for the next run").pipe(
      Effect.annotateLogs({ error_message: error.message }),
      Effect.as({ replayed: 0, kept: 0, poison: 0 }),
    ),
  ),
  Effect.withSpan("PendingReplay.replay"),
)
