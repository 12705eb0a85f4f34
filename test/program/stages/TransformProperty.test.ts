import { Chunk, Effect, Either, Stream } from "effect"
import fc from "fast-check"
import { asyncBufferFromFile, parquetReadObjects } from "hyparquet"
import { readEventRows } from "../../../src/codecs/parquet/EventsParquetReader.js"
import { decodeLine } from "../../../src/program/transform/EventLine.js"
import { anyLine, garbageLine } from "../../support/EventLineArbitraries.js"
import { assert, describe, it } from "../../support/vitest.js"
import { INGESTED_AT_MICROS, runTransform, tempWeek, WEEK, writeRaw } from "../../support/WeekFixture.js"

/** A line as the stage reads it back: UTF-8 (a lone surrogate became U+FFFD), a `\r` before the newline dropped. */
const asRead = (line: string) => {
  const text = Buffer.from(line, "utf8").toString("utf8")
  return text.endsWith("\r") ? text.slice(0, -1) : text
}

/**
 * A record as Parquet holds it: text is UTF-8, so a lone surrogate (which JSON can write as
 * `\ud800`) is stored as U+FFFD, as every UTF-8 encoder does.
 */
const asStored = <A extends object>(record: A): A =>
  Object.fromEntries(
    Object.entries(record).map(([key, value]) => [
      key,
      typeof value === "string" ? Buffer.from(value, "utf8").toString("utf8") : value,
    ]),
  ) as A

const rejectsOf = async (path: string) =>
  parquetReadObjects({ file: await asyncBufferFromFile(path), columns: ["row_index", "raw_event"] })

describe("transform, for any mix of valid and broken records", () => {
  it("loses no record, duplicates none, and keeps each as an event or a reject", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyLine, { maxLength: 40 }), async (lines) => {
        const paths = tempWeek()
        writeRaw(paths, lines)
        const { result } = await Effect.runPromise(runTransform(paths, { MIN_VALID_ROWS: "0" }))
        const out = Either.getOrThrow(result)
        const read = lines.map(asRead)
        const decoded = read.map((line) => decodeLine(line, WEEK))

        assert.strictEqual(out.rowsFetched, lines.length)
        assert.strictEqual(out.rowsValid + out.rowsRejected, out.rowsFetched)

        const rejects = await rejectsOf(paths.rejects)
        const rejected = decoded.flatMap((d, i) => (Either.isLeft(d) ? [i] : []))
        assert.deepStrictEqual(
          rejects.map((row) => Number(row.row_index)),
          rejected,
        )
        assert.deepStrictEqual(
          rejects.map((row) => row.raw_event),
          rejected.map((i) => read[i]),
        )

        const events = Chunk.toArray(await Effect.runPromise(Stream.runCollect(readEventRows(paths.events))))
        assert.deepStrictEqual(
          events,
          decoded.flatMap((d) =>
            Either.isRight(d)
              ? [
                  asStored({
                    ...d.right,
                    batch_week_start: WEEK.start,
                    batch_week_end: WEEK.end,
                    ingested_at: INGESTED_AT_MICROS,
                  }),
                ]
              : [],
          ),
        )
      }),
      { numRuns: 60 },
    )
  })

  it("never dies on bad input: it succeeds or fails its checks with DataQualityError", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(garbageLine, anyLine), { maxLength: 20 }), async (lines) => {
        const paths = tempWeek()
        writeRaw(paths, lines)
        const exit = await Effect.runPromiseExit(runTransform(paths, { MIN_VALID_ROWS: "3" }))
        assert.isTrue(exit._tag === "Success", "no defect, no unexpected error")
        if (exit._tag === "Success" && Either.isLeft(exit.value.result)) {
          assert.strictEqual(exit.value.result.left._tag, "DataQualityError")
        }
      }),
      { numRuns: 40 },
    )
  })
})
