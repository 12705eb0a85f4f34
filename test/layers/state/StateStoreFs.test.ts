import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { FileSystem } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "../../support/vitest.js"
import { Effect, Layer, Option } from "effect"
import type { CheckpointMirror } from "../../../src/domain/CheckpointMirror.js"
import { statePaths } from "../../../src/domain/WeekPaths.js"
import * as StateStoreFs from "../../../src/layers/state/StateStoreFs.js"
import { StateStore } from "../../../src/services/StateStore.js"
import { tempDir } from "../../support/warehouse.js"

const pathsIn = (stateDir: string) =>
  statePaths({ stateDir, localDataDir: "", localRejectsDir: "", lakeBasePath: "", lakeRejectsBasePath: "" })

/**
 * The real file system, except that renaming a temp file into place "loses power": the temp file
 * is kept where the crash left it, and the rename never happens.
 */
const crashOnRename = Layer.effect(
  FileSystem.FileSystem,
  Effect.map(FileSystem.FileSystem, (fs) => ({
    ...fs,
    rename: (from: string) =>
      Effect.sync(() => copyFileSync(from, `${from}-left-by-crash`)).pipe(Effect.zipRight(Effect.die("power cut"))),
  })),
).pipe(Layer.provide(NodeFileSystem.layer))

/** The store on `dir`, over `fs`. */
const storeOn = (dir: string, fs: Layer.Layer<FileSystem.FileSystem>) =>
  StateStore.pipe(Effect.provide(StateStoreFs.layerAt(pathsIn(dir))), Effect.provide(fs))

const store = (dir: string) => storeOn(dir, NodeFileSystem.layer)

const mirror: CheckpointMirror = {
  next_week_start: "2019-12-08",
  next_week_end: "2019-12-14",
  last_completed_week_start: "2019-12-01",
  last_completed_week_end: "2019-12-07",
  updated_at: "2019-12-08T07:00:00.000Z",
  warehouse_synced: false,
} as CheckpointMirror

describe("StateStore on the file system", () => {
  it.effect("appends, reads and settles the queue; an empty queue leaves no file", () =>
    Effect.gen(function* () {
      const dir = tempDir("retl-state-")
      const state = yield* store(dir)
      assert.deepStrictEqual(yield* state.readPending, [])
      yield* state.appendPending('{"n":1}')
      yield* state.appendPending('{"n":2}')
      yield* state.appendPending('{"n":3}')
      assert.strictEqual(readFileSync(`${dir}/pending_db_updates.jsonl`, "utf8"), '{"n":1}\n{"n":2}\n{"n":3}\n')
      const lines = yield* state.readPending
      assert.deepStrictEqual(lines, ['{"n":1}', '{"n":2}', '{"n":3}'])
      yield* state.settlePending(lines.length, ['{"n":2,"attempts":1}'])
      assert.deepStrictEqual(yield* state.readPending, ['{"n":2,"attempts":1}'])
      yield* state.settlePending(1, [])
      assert.isFalse(existsSync(`${dir}/pending_db_updates.jsonl`))
      assert.deepStrictEqual(readdirSync(dir), [])
    }),
  )

  it.effect("leaves a readable queue when the process dies between writing the temp file and renaming it", () =>
    Effect.gen(function* () {
      const dir = tempDir("retl-state-")
      yield* Effect.flatMap(store(dir), (state) =>
        Effect.zipRight(state.appendPending('{"n":1}'), state.appendPending('{"n":2}')),
      )
      const crashing = yield* storeOn(dir, crashOnRename)
      const exit = yield* Effect.exit(crashing.appendPending('{"n":3}'))
      assert.isTrue(exit._tag === "Failure")
      // The queue is exactly what it was; the crash left only a hidden temp file behind.
      assert.strictEqual(readFileSync(`${dir}/pending_db_updates.jsonl`, "utf8"), '{"n":1}\n{"n":2}\n')
      const leftovers = readdirSync(dir).filter((name) => name.endsWith("-left-by-crash"))
      assert.strictEqual(leftovers.length, 1)
      assert.isTrue(leftovers[0]?.startsWith(".pending_db_updates.jsonl.tmp-"))
      // The next process reads the queue, ignores the leftover and appends as usual.
      const next = yield* store(dir)
      assert.deepStrictEqual(yield* next.readPending, ['{"n":1}', '{"n":2}'])
      yield* next.appendPending('{"n":3}')
      assert.deepStrictEqual(yield* next.readPending, ['{"n":1}', '{"n":2}', '{"n":3}'])
    }),
  )

  it.effect("reads a torn last line as a line of its own and never glues the next one to it", () =>
    Effect.gen(function* () {
      const dir = tempDir("retl-state-")
      writeFileSync(`${dir}/pending_db_updates.jsonl`, '{"n":1}\n\n{"n":2}\n{"n":3,"upd')
      const state = yield* store(dir)
      assert.deepStrictEqual(yield* state.readPending, ['{"n":1}', '{"n":2}', '{"n":3,"upd'])
      yield* state.appendPending('{"n":4}')
      assert.deepStrictEqual(yield* state.readPending, ['{"n":1}', '{"n":2}', '{"n":3,"upd', '{"n":4}'])
    }),
  )

  it.effect("writes the checkpoint mirror atomically and reads it back; refuses a file that is not one", () =>
    Effect.gen(function* () {
      const dir = tempDir("retl-state-")
      const state = yield* store(dir)
      assert.isTrue(Option.isNone(yield* state.readCheckpointMirror))
      yield* state.writeCheckpointMirror(mirror)
      assert.deepStrictEqual(JSON.parse(readFileSync(`${dir}/extractor_state.json`, "utf8")), mirror)
      assert.deepStrictEqual(yield* state.readCheckpointMirror, Option.some(mirror))
      assert.deepStrictEqual(readdirSync(dir), ["extractor_state.json"])
      writeFileSync(`${dir}/extractor_state.json`, '{"next_week_start":"someday"}')
      const error = yield* Effect.flip(state.readCheckpointMirror)
      assert.strictEqual(error._tag, "LocalStorageError")
      assert.strictEqual(error.details.reason, "invalid")
    }),
  )
})
