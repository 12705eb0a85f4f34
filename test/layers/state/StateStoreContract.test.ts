import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "../../support/vitest.js"
import { Effect, Option } from "effect"
import type { CheckpointMirror } from "../../../src/domain/CheckpointMirror.js"
import { statePaths } from "../../../src/domain/WeekPaths.js"
import * as StateStoreFs from "../../../src/layers/state/StateStoreFs.js"
import * as StateStoreMemory from "../../../src/layers/state/StateStoreMemory.js"
import { StateStore } from "../../../src/services/StateStore.js"
import { tempDir } from "../../support/warehouse.js"

const stores = [
  [
    "files",
    () =>
      StateStore.pipe(
        Effect.provide(
          StateStoreFs.layerAt(
            statePaths({
              stateDir: tempDir("retl-state-"),
              localDataDir: "",
              localRejectsDir: "",
              lakeBasePath: "",
              lakeRejectsBasePath: "",
            }),
          ),
        ),
        Effect.provide(NodeFileSystem.layer),
      ),
  ],
  ["memory", () => StateStore.pipe(Effect.provide(StateStoreMemory.layer))],
] as const

describe.each(stores)("StateStore (%s)", (_, make) => {
  it.effect("settles a replay: kept lines first, then the lines appended while it ran", () =>
    Effect.gen(function* () {
      const state = yield* make()
      assert.deepStrictEqual(yield* state.readPending, [])
      yield* state.appendPending("a")
      yield* state.appendPending("b")
      const read = yield* state.readPending
      yield* state.appendPending("c (queued during the replay)")
      yield* state.settlePending(read.length, ["b"])
      assert.deepStrictEqual(yield* state.readPending, ["b", "c (queued during the replay)"])
      yield* state.settlePending(2, [])
      assert.deepStrictEqual(yield* state.readPending, [])
    }),
  )

  it.effect("keeps the last checkpoint mirror written", () =>
    Effect.gen(function* () {
      const state = yield* make()
      const mirror = {
        next_week_start: "2019-12-08",
        next_week_end: "2019-12-14",
        last_completed_week_start: "2019-12-01",
        last_completed_week_end: "2019-12-07",
        updated_at: "2019-12-08T07:00:00.000Z",
        warehouse_synced: true,
      } as CheckpointMirror
      assert.isTrue(Option.isNone(yield* state.readCheckpointMirror))
      yield* state.writeCheckpointMirror({ ...mirror, warehouse_synced: false })
      yield* state.writeCheckpointMirror(mirror)
      assert.deepStrictEqual(yield* state.readCheckpointMirror, Option.some(mirror))
    }),
  )
})
