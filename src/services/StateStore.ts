import type { Effect, Option } from "effect"
import { Context } from "effect"
import type { CheckpointMirror } from "../domain/CheckpointMirror.js"
import type { LocalStorageError } from "../domain/Errors.js"

/**
 * The pipeline's local state under STATE_DIR: the checkpoint mirror and the queue of warehouse
 * writes waiting for replay. Queue lines are opaque text here; the program encodes and decodes them.
 */
export class StateStore extends Context.Tag("retl/StateStore")<
  StateStore,
  {
    readonly readCheckpointMirror: Effect.Effect<Option.Option<CheckpointMirror>, LocalStorageError>
    /** Replaces the mirror atomically: a reader sees the old file or the new one, never a mix. */
    readonly writeCheckpointMirror: (mirror: CheckpointMirror) => Effect.Effect<void, LocalStorageError>
    /**
     * Adds one line at the end of the queue. Atomic: after a crash the queue holds every line it
     * held before, with or without the new one, and nothing torn.
     */
    readonly appendPending: (line: string) => Effect.Effect<void, LocalStorageError>
    /** Every line of the queue in order, blank lines dropped; a line that is not JSON is returned as it is. */
    readonly readPending: Effect.Effect<ReadonlyArray<string>, LocalStorageError>
    /**
     * Replaces the first `consumed` lines (those a replay read) with `keep`. Lines appended after
     * that read stay, after `keep`. An empty queue leaves no file.
     */
    readonly settlePending: (consumed: number, keep: ReadonlyArray<string>) => Effect.Effect<void, LocalStorageError>
  }
>() {}
