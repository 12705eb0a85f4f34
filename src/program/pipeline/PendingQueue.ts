import { Clock, Effect, Option } from "effect"
import {
  decodePendingLine,
  decodePendingLineBriefly,
  encodePendingLine,
  newPendingEntry,
  type PendingEntry,
  type PendingUpdate,
} from "../../domain/PendingUpdate.js"
import { StateStore } from "../../services/StateStore.js"
import type { Warehouse } from "../../services/Warehouse.js"

/**
 * `pending_db_updates.jsonl`: the warehouse writes a run could not make (its start, its end, the
 * checkpoint's move), queued to be replayed at the start of the next run.
 */

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

/** A line that failed this many replays is reported as poison at every run until someone looks. */
export const POISON_AFTER_ATTEMPTS = 5

/** A line of the queue as it stands between runs: waiting for the next replay, or poison. */
export type PendingLineState =
  | { readonly _tag: "Waiting"; readonly entry: PendingEntry }
  | { readonly _tag: "Poison"; readonly reason: string; readonly entry: Option.Option<PendingEntry> }

/** What the replay would make of `line`, without replaying it: the rule `status` reports by. */
export const pendingLineState = (line: string): PendingLineState => {
  const decoded = decodePendingLineBriefly(line)
  if (decoded._tag === "Left") {
    return { _tag: "Poison", reason: `cannot be read: ${decoded.left}`, entry: Option.none() }
  }
  const entry = decoded.right
  return entry.attempts >= POISON_AFTER_ATTEMPTS
    ? {
        _tag: "Poison",
        reason: `${describeUpdate(entry.update)} failed ${entry.attempts} replays${entry.lastError === null ? "" : `: ${entry.lastError}`}`,
        entry: Option.some(entry),
      }
    : { _tag: "Waiting", entry }
}

export interface ReplaySummary {
  /** Lines written to the warehouse and removed from the queue. */
  readonly replayed: number
  /** Lines kept because the write failed again (poison ones included). */
  readonly kept: number
  /** Lines that cannot be read, or that failed POISON_AFTER_ATTEMPTS times. */
  readonly poison: number
}

/** Makes one queued write again; each kind is made by the module that owns it. */
export type ApplyUpdate = (
  update: PendingUpdate,
) => Effect.Effect<unknown, { readonly message: string }, Warehouse | StateStore>

const preview = (line: string) => (line.length > 200 ? `${line.slice(0, 200)}…` : line)

const nothing: ReplaySummary = { replayed: 0, kept: 0, poison: 0 }

/**
 * Replays the queue of failed warehouse writes, in order, before a run does anything else.
 * Replayed lines leave the queue; a line that fails again stays, its attempt count raised, in its
 * place, so a run's end stays behind its start. Nothing is ever dropped: a line that cannot be
 * read (torn, hand-edited, from another version) or that keeps failing is a poison line, kept
 * verbatim for a person to fix or delete, counted and logged at ERROR on every run, and it never
 * stops the lines after it. Replay itself never fails the run: every write is idempotent, so a
 * queue that could not be rewritten is simply replayed again next time.
 */
export const replayPendingUpdates = Effect.fn("PendingQueue.replay")(
  function* (apply: ApplyUpdate) {
    const store = yield* StateStore
    const lines = yield* store.readPending
    if (lines.length === 0) return nothing
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
  Effect.catchTag("LocalStorageError", (error) =>
    Effect.logError("could not read or rewrite the pending warehouse updates; they stay for the next run").pipe(
      Effect.annotateLogs({ error_message: error.message }),
      Effect.as(nothing),
    ),
  ),
)
