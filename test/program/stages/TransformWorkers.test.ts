import { existsSync, readdirSync } from "node:fs"
import { Chunk, Effect, Either, Fiber, Stream } from "effect"
import { readEventRows } from "../../../src/codecs/parquet/EventsParquetReader.js"
import { decodeLine } from "../../../src/program/transform/EventLine.js"
import { duckQuery, parquet } from "../../support/DuckDb.js"
import { eventually } from "../../support/ecomApi.js"
import { brokenLines, eventLines } from "../../support/RawEvents.js"
import { assert, describe, it } from "../../support/vitest.js"
import { INGESTED_AT_MICROS, runTransform, tempWeek, WEEK, WEEK_START_MS, writeRaw } from "../../support/WeekFixture.js"

/** 2,600 records over three row groups of 1,000 lines, a broken record every 97. */
const bigWeek = () => {
  const generated = eventLines({ startMs: WEEK_START_MS, days: 7, count: 2600, seed: 3 })
  const broken = brokenLines(WEEK_START_MS)
  return Array.from({ length: 2600 }, (_, i) =>
    i % 97 === 50 ? (broken[i % broken.length]?.line as string) : generated.next(),
  )
}

describe("transform on worker threads", () => {
  it.live("writes one row group a batch of lines, in line order, the same as on the main thread", () =>
    Effect.gen(function* () {
      const lines = bigWeek()
      const threaded = tempWeek()
      const inline = tempWeek()
      writeRaw(threaded, lines)
      writeRaw(inline, lines)
      const settings = { PARQUET_ROW_GROUP_SIZE: "1000" }
      const out = Either.getOrThrow((yield* runTransform(threaded, { ...settings, TRANSFORM_WORKERS: "2" })).result)
      const same = Either.getOrThrow((yield* runTransform(inline, { ...settings, TRANSFORM_WORKERS: "0" })).result)

      const expected = lines.flatMap((line) =>
        Either.match(decodeLine(line, WEEK), { onLeft: () => [], onRight: (r) => [r] }),
      )
      assert.strictEqual(out.rowsFetched, 2600)
      assert.strictEqual(out.rowsValid, expected.length)
      assert.strictEqual(out.rowsRejected, 2600 - expected.length)
      assert.strictEqual(out.events?.sha256, same.events?.sha256, "byte for byte what the main thread writes")
      assert.strictEqual(out.rejects?.sha256, same.rejects?.sha256)

      const groups = yield* Effect.promise(() =>
        duckQuery(
          `SELECT row_group_id, max(row_group_num_rows) AS n FROM parquet_metadata('${threaded.events}') GROUP BY 1 ORDER BY 1`,
        ),
      )
      assert.deepStrictEqual(
        groups.map((group) => Number(group.n)),
        [0, 1000, 2000].map(
          (from) => lines.slice(from, from + 1000).filter((line) => Either.isRight(decodeLine(line, WEEK))).length,
        ),
      )

      const rows = Chunk.toArray(yield* Stream.runCollect(readEventRows(threaded.events)))
      assert.deepStrictEqual(
        rows,
        expected.map((record) => ({
          ...record,
          batch_week_start: "2019-11-01",
          batch_week_end: "2019-11-07",
          ingested_at: INGESTED_AT_MICROS,
        })),
      )
      const rejected = yield* Effect.promise(() =>
        duckQuery(`SELECT row_index FROM ${parquet(threaded.rejects)} ORDER BY row_index`),
      )
      assert.deepStrictEqual(
        rejected.map((row) => Number(row.row_index)),
        lines.flatMap((line, i) => (Either.isLeft(decodeLine(line, WEEK)) ? [i] : [])),
      )
    }),
  )

  it.live("validates on the main thread a row group too big for a worker's heap, then goes on with a new worker", () =>
    Effect.gen(function* () {
      // A 6 MB user_id among ordinary records: the worker's bounded heap cannot hold its row group.
      const generated = eventLines({ startMs: WEEK_START_MS, days: 7, count: 3000, seed: 7 })
      const ordinary = Array.from({ length: 3000 }, generated.next)
      const huge = (ordinary[1500] as string).replace(/"user_id":\d+/, `"user_id":"${"é".repeat(3_000_000)}"`)
      const lines = [
        ...ordinary.slice(0, 1500),
        huge,
        ...ordinary.slice(1501),
        ...brokenLines(WEEK_START_MS).map((b) => b.line),
      ]
      assert.isAbove(huge.length, 3_000_000)
      const threaded = tempWeek()
      const inline = tempWeek()
      writeRaw(threaded, lines)
      writeRaw(inline, lines)
      const settings = { PARQUET_ROW_GROUP_SIZE: "1000" }
      const run = yield* runTransform(threaded, { ...settings, TRANSFORM_WORKERS: "1" })
      const out = Either.getOrThrow(run.result)
      const same = Either.getOrThrow((yield* runTransform(inline, { ...settings, TRANSFORM_WORKERS: "0" })).result)

      assert.strictEqual(out.rowsValid + out.rowsRejected, lines.length)
      assert.strictEqual(out.events?.sha256, same.events?.sha256, "byte for byte what the main thread writes")
      assert.strictEqual(out.rejects?.sha256, same.rejects?.sha256)
      assert.deepStrictEqual(
        run.logs.filter((log) => log.level === "WARNING").map((log) => [log.message, log.first_line, log.lines]),
        [["Row group too big for a transform worker's heap; validated on the main thread", 1000, 1000]],
        "only the row group holding the huge line left the worker",
      )
    }),
  )

  it.live("leaves neither files nor temp files when interrupted mid-week", () =>
    Effect.gen(function* () {
      const paths = tempWeek()
      const generated = eventLines({ startMs: WEEK_START_MS, days: 7, count: 100_000, seed: 5 })
      writeRaw(paths, Array.from({ length: 100_000 }, generated.next))
      const fiber = yield* Effect.fork(runTransform(paths, { PARQUET_ROW_GROUP_SIZE: "1000", TRANSFORM_WORKERS: "2" }))
      // Mid-week: once the events file is being written.
      const writing = () => readdirSync(paths.localDir).some((name) => name.startsWith(".events.parquet.tmp"))
      yield* eventually("the events file is being written", writing)
      yield* Fiber.interrupt(fiber)
      assert.deepStrictEqual(readdirSync(paths.localDir), ["raw.ndjson"])
      assert.deepStrictEqual(existsSync(paths.localRejectsDir) ? readdirSync(paths.localRejectsDir) : [], [])
    }),
  )
})
