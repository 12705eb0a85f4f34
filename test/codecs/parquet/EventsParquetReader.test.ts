import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { Chunk, Effect, Either, Stream } from "effect"
import { parquetWriteBuffer } from "hyparquet-writer"
import { readEventRows } from "../../../src/codecs/parquet/EventsParquetReader.js"
import { eventLines } from "../../support/RawEvents.js"
import { assert, describe, it } from "../../support/vitest.js"
import { runTransform, tempWeek, WEEK_START_MS, writeRaw } from "../../support/WeekFixture.js"

const collect = (path: string) => Stream.runCollect(readEventRows(path)).pipe(Effect.map(Chunk.toArray))

describe("reading events.parquet back", () => {
  it.live("streams every row of every row group as an EventRow", () =>
    Effect.gen(function* () {
      const paths = tempWeek()
      const lines = eventLines({ startMs: WEEK_START_MS, days: 7, count: 2500, seed: 11 })
      const raw = Array.from({ length: 2500 }, lines.next)
      writeRaw(paths, raw)
      Either.getOrThrow((yield* runTransform(paths, { PARQUET_ROW_GROUP_SIZE: "1000" })).result)
      const rows = yield* collect(paths.events)
      assert.strictEqual(rows.length, 2500)
      const [first] = rows
      // The first record's time as JavaScript's own date parser reads it, in microseconds.
      const firstTime = String(JSON.parse(raw[0] as string).event_time)
      assert.strictEqual(first?.event_time, Date.parse(firstTime.replace(" UTC", "Z").replace(" ", "T")) * 1000)
      assert.isBelow(first?.event_time ?? 0, (WEEK_START_MS + 60_000) * 1000)
      assert.match(first?.category_id ?? "", /^\d{19}$/)
      assert.isTrue(rows.every((row, i) => i === 0 || row.event_time >= (rows[i - 1]?.event_time ?? 0)))
    }),
  )

  it.live("refuses a file that is not an events file, naming its columns", () =>
    Effect.gen(function* () {
      const path = join(tempWeek().localDir, "other.parquet")
      writeFileSync(
        path,
        new Uint8Array(parquetWriteBuffer({ columnData: [{ name: "x", data: [1, 2], type: "INT32" }] })),
      )
      const error = yield* Effect.flip(collect(path))
      assert.strictEqual(error._tag, "LocalStorageError")
      assert.include(error.message, "its columns are x")
    }),
  )

  it.live("names the file it cannot read", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(collect("/nonexistent/events.parquet"))
      assert.strictEqual(error.details.path, "/nonexistent/events.parquet")
    }),
  )
})
