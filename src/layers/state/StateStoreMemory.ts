import { Effect, Layer, Option, Ref } from "effect"
import type { CheckpointMirror } from "../../domain/CheckpointMirror.js"
import { StateStore } from "../../services/StateStore.js"

/** State held in memory, for tests and for programs that embed the pipeline without a state directory. */
export const makeStateStoreMemory = (initialQueue: ReadonlyArray<string> = []) =>
  Effect.gen(function* () {
    const queue = yield* Ref.make<ReadonlyArray<string>>(initialQueue.filter((line) => line.trim() !== ""))
    const mirror = yield* Ref.make(Option.none<CheckpointMirror>())
    return StateStore.of({
      readCheckpointMirror: Ref.get(mirror),
      writeCheckpointMirror: (value) => Ref.set(mirror, Option.some(value)),
      appendPending: (line) => Ref.update(queue, (lines) => [...lines, line]),
      readPending: Ref.get(queue),
      settlePending: (consumed, keep) => Ref.update(queue, (lines) => [...keep, ...lines.slice(consumed)]),
    })
  })

export const StateStoreMemory: Layer.Layer<StateStore> = Layer.effect(StateStore, makeStateStoreMemory())
