import { join } from "node:path"
import { FileSystem } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Either } from "effect"
import { EventColumns } from "../../../src/codecs/parquet/EventColumns.js"
import { EVENTS_SCHEMA } from "../../../src/codecs/parquet/ParquetSchemas.js"
import { openParquetSink } from "../../../src/codecs/parquet/ParquetSink.js"
import type { EventRecord } from "../../../src/domain/EventRecord.js"
import { parseWeek } from "../../../src/domain/Week.js"
import { duckQuery } from "../../support/DuckDb.js"
import { records } from "../../support/EventRecordSamples.js"
import { assert, describe, it } from "../../support/vitest.js"

const STAMP = {
  week: Either.getOrThrow(parseWeek("2019-11-01", "2019-11-07")),
  ingestedAtMicros: Date.UTC(2019, 10, 28, 19) * 1000 + 123,
}

const GROUPS = [records(1, 3000), records(2, 1), records(3, 3000, true), records(4, 1800)]

const TEXT_COLUMNS = ["event_type", "product_id", "category_id", "category_code", "brand", "user_id", "user_session"]

/** Writes the groups as the transform stage does: columns built per row group, encoded, appended. */
const writeEvents = (path: string) =>
  Effect.gen(function* () {
    const sink = yield* openParquetSink(path, EVENTS_SCHEMA)
    // One set of columns for every row group, as a worker keeps them.
    const columns = new EventColumns(16)
    for (const group of GROUPS) {
      for (const record of group) columns.push(record)
      yield* sink.append(columns.encode(STAMP))
    }
    return yield* sink.finish
  })

/** Unsigned byte order of UTF-8, as Parquet orders text statistics. */
const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b))

/**
 * A text bound as the footer keeps it: at most 16 bytes, a longer maximum rounded up in its last
 * character (every value longer than that here is ASCII).
 */
const bound = (text: string | undefined, isMax: boolean) =>
  text === undefined || text.length <= 16
    ? (text ?? null)
    : isMax
      ? text.slice(0, 15) + String.fromCharCode(text.charCodeAt(15) + 1)
      : text.slice(0, 16)

const number = (text: unknown) => (typeof text === "string" ? Number(text) : null)

describe("events.parquet as DuckDB reads it", () => {
  it.scopedLive("holds every row and value of every row group as it was built", () =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const path = join(yield* fs.makeTempDirectoryScoped(), "events.parquet")
      const summary = yield* writeEvents(path)
      const expected = GROUPS.flat()
      assert.strictEqual(summary.rows, expected.length)

      const rows = yield* Effect.promise(() =>
        duckQuery(
          `SELECT epoch_us(event_time)::VARCHAR AS event_time, ${TEXT_COLUMNS.join(", ")}, price,
             batch_week_start, batch_week_end, epoch_us(ingested_at)::VARCHAR AS ingested_at
           FROM read_parquet('${path}', file_row_number = true) ORDER BY file_row_number`,
        ),
      )
      assert.strictEqual(rows.length, expected.length)
      expected.forEach((record, i) => {
        assert.deepStrictEqual(rows[i], {
          ...record,
          event_time: String(record.event_time),
          batch_week_start: "2019-11-01",
          batch_week_end: "2019-11-07",
          ingested_at: String(STAMP.ingestedAtMicros),
        })
      })
    }).pipe(Effect.provide(NodeFileSystem.layer)),
  )

  it.scopedLive("gives each row group's columns their true minimum, maximum and null count", () =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const path = join(yield* fs.makeTempDirectoryScoped(), "events.parquet")
      yield* writeEvents(path)
      const stats = yield* Effect.promise(() =>
        duckQuery(
          `SELECT row_group_id, path_in_schema, stats_min_value, stats_max_value, stats_null_count
           FROM parquet_metadata('${path}') ORDER BY row_group_id, column_id`,
        ),
      )
      for (const [g, group] of GROUPS.entries()) {
        const row = (column: string) =>
          stats.find((found) => found.row_group_id === String(g) && found.path_in_schema === column)
        for (const column of TEXT_COLUMNS) {
          const values = group.map((record) => record[column as keyof EventRecord] as string | null)
          const present = values.filter((value) => value !== null).sort(byBytes)
          const found = row(column)
          assert.deepStrictEqual(
            [found?.stats_min_value, found?.stats_max_value, found?.stats_null_count],
            [bound(present[0], false), bound(present.at(-1), true), String(values.length - present.length)],
            `row group ${g}, ${column}`,
          )
        }
        const prices = group.flatMap((record) => (record.price === null ? [] : [record.price])).sort((a, b) => a - b)
        const found = row("price")
        // A zero minimum is written -0, a zero maximum +0 (the Parquet spec's rule for floats).
        assert.deepStrictEqual(
          [number(found?.stats_min_value), number(found?.stats_max_value), found?.stats_null_count],
          [prices[0] === 0 ? -0 : (prices[0] ?? null), prices.at(-1) ?? null, String(group.length - prices.length)],
          `row group ${g}, price`,
        )
      }
    }).pipe(Effect.provide(NodeFileSystem.layer)),
  )
})
