import { join } from "node:path"
import { FileSystem } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import { Effect } from "effect"
import { batchRunner } from "../../../src/program/transform/BatchRunner.js"
import { BufferPool } from "../../../src/program/transform/LineBatches.js"
import { eventLines } from "../../support/RawEvents.js"
import { assert, describe, it } from "../../support/vitest.js"
import { INGESTED_AT_MICROS, WEEK, WEEK_START_MS } from "../../support/WeekFixture.js"

describe("batch runner", () => {
  it.scopedLive(
    "a worker reads its row group itself; a file it cannot read fails the run with a read error naming it",
    () =>
      Effect.gen(function* () {
        const fs = yield* FileSystem.FileSystem
        const dir = yield* fs.makeTempDirectoryScoped({ prefix: "retl-runner-" })
        const generated = eventLines({ startMs: WEEK_START_MS, days: 7, count: 3, seed: 1 })
        const text = Array.from({ length: 3 }, generated.next)
          .map((line) => `${line}\n`)
          .join("")
        const raw = join(dir, "raw.ndjson")
        yield* fs.writeFileString(raw, text)
        const stamp = { week: WEEK, ingestedAtMicros: INGESTED_AT_MICROS }
        const range = { start: 0, end: Buffer.byteLength(text), firstLine: 0, lines: 3 }
        const open = fs.open(raw, { flag: "r" })

        const runner = yield* batchRunner(raw, 1, 1000, stamp, true, new BufferPool(), open)
        const result = yield* runner.run(range)
        assert.strictEqual(result.lines, 3)
        assert.strictEqual(result.counts.validRows, 3)
        assert.isAbove(result.events?.bytes.length ?? 0, 0)

        // The main thread's handle opens fine; the worker's own read of `missing` does not.
        const missing = join(dir, "gone.ndjson")
        const blind = yield* batchRunner(missing, 1, 1000, stamp, true, new BufferPool(), open)
        const error = yield* Effect.flip(blind.run(range))
        assert.strictEqual(error._tag, "SystemError")
        assert.include(error.message, "NotFound: FileSystem.read")
        assert.include(error.message, missing)
      }).pipe(Effect.provide(NodeFileSystem.layer)),
    // Two workers start from TypeScript source through tsx: seconds each on a loaded machine.
    120_000,
  )
})
