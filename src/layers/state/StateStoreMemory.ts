import { Effect, Layer, Option, Ref } from "effect"
import type { CheckpointMirror } from "../../domain/CheckpointMirror.js"
import { StateStore } from "../../services/StateStore.js"

/** State held in memory, for tests and for programs that embed the pipeline without a state directory. */
export const layer: Layer.Layer<StateStore> = Layer.effect(
  StateStore,
  Effect.gen(function* () {
    const queue = yield* Ref.make<ReadonlyArray<string>>([])
    const mirror = yield* Ref.make(Option.none<CheckpointMirror>())
    const readCheckpointMirror = Effect.fn("StateStore.readCheckpointMirror")(() => Ref.get(mirror))
    const writeCheckpointMirror = Effect.fn("StateStore.writeCheckpointMirror")((value: CheckpointMirror) =>
      Ref.set(mirror, Option.some(value)),
    )
    const appendPending = Effect.fn("StateStore.appendPending")((line: string) =>
      Ref.update(queue, (lines) => [...lines, line]),
    )
    const readPending = Effect.fn("StateStore.readPending")(() => Ref.get(queue))
    const settlePending = Effect.fn("StateStore.settlePending")((consumed: number, keep: ReadonlyArray<string>) =>
      Ref.update(queue, (lines) => [...keep, ...lines.slice(consumed)]),
    )
    return StateStore.of({
      readCheckpointMirror: readCheckpointMirror(),
      writeCheckpointMirror,
      appendPending,
      readPending: readPending(),
      settlePending,
    })
  }),
)
