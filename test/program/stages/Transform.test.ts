import { createHash } from "node:crypto"
import { readFileSync, statSync } from "node:fs"
import { Effect, Either } from "effect"
import { duckColumns, duckQuery, parquet } from "../../support/DuckDb.js"
import { brokenLines, eventLines, utcText } from "../../support/RawEvents.js"
import { assert, describe, it } from "../../support/vitest.js"
import { ALL_CHECKS, runTransform, tempWeek, WEEK_START_MS, writeRaw } from "../../support/WeekFixture.js"

const EVENT_TYPES: Array<[string, string]> = [
  ["event_time", "TIMESTAMP WITH TIME ZONE"],
  ["event_type", "VARCHAR"],
  ["product_id", "VARCHAR"],
  ["category_id", "VARCHAR"],
  ["category_code", "VARCHAR"],
  ["brand", "VARCHAR"],
  ["price", "DOUBLE"],
  ["user_id", "VARCHAR"],
  ["user_session", "VARCHAR"],
  ["batch_week_start", "VARCHAR"],
  ["batch_week_end", "VARCHAR"],
  ["ingested_at", "TIMESTAMP WITH TIME ZONE"],
]

const REJECT_TYPES: Array<[string, string]> = [
  ["row_index", "BIGINT"],
  ["error_count", "INTEGER"],
  ["errors", "VARCHAR"],
  ["raw_event", "VARCHAR"],
  ["rejected_at", "TIMESTAMP WITH TIME ZONE"],
  ["batch_week_start", "VARCHAR"],
  ["batch_week_end", "VARCHAR"],
]

/** The dataset's own shape, a 19-digit category_id among it. */
const DATASET_LINE =
  '{"event_time":"2019-11-01 00:00:03 UTC","event_type":"view","product_id":1004856,"category_id":2053013555631882655,' +
  '"category_code":"electronics.smartphone","brand":"samsung","price":130.76,"user_id":543272936,' +
  '"user_session":"6f1e6d6c-8b8a-4c53-9f4e-0d0b0d7a8a1c"}'

/** Another producer: an offset timestamp, text ids, a numeric-string price, escapes, an unknown field. */
const OFFSET_LINE =
  '{"event_time":"2019-11-03T02:30:00+02:30","event_type":" Purchase ","product_id":"77","category_id":"",' +
  '"brand":"L\\u00e9 Caf\\u00e9","price":"12.50","user_id":" 42 ","source":{"app":"ios"}}'

const fixture = () => {
  const paths = tempWeek()
  const generated = eventLines({ startMs: WEEK_START_MS, days: 7, count: 40, seed: 7 })
  const broken = brokenLines(WEEK_START_MS)
  const lines = [DATASET_LINE, OFFSET_LINE, ...Array.from({ length: 40 }, generated.next)]
  // Broken records between good ones, each at a known line.
  const rejectedAt = new Map<number, (typeof broken)[number]>()
  broken.forEach((bad, i) => {
    const at = 3 + i * 3
    lines.splice(at, 0, bad.line)
    rejectedAt.set(at, bad)
  })
  writeRaw(paths, lines)
  return { paths, lines, rejectedAt }
}

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex")

describe("transform", () => {
  it.live("writes valid events and rejects that DuckDB reads with the seed's columns, types and values", () =>
    Effect.gen(function* () {
      const { paths, lines, rejectedAt } = fixture()
      const { result, logs } = yield* runTransform(paths)
      const out = Either.getOrThrow(result)

      assert.strictEqual(out.rowsFetched, lines.length)
      assert.strictEqual(out.rowsRejected, rejectedAt.size)
      assert.strictEqual(out.rowsValid + out.rowsRejected, out.rowsFetched)

      const events = yield* Effect.promise(() => duckColumns(paths.events))
      assert.deepStrictEqual(events, EVENT_TYPES)
      const rejects = yield* Effect.promise(() => duckColumns(paths.rejects))
      assert.deepStrictEqual(rejects, REJECT_TYPES)

      const [count] = yield* Effect.promise(() => duckQuery(`SELECT count(*) AS n FROM ${parquet(paths.events)}`))
      assert.strictEqual(Number(count?.n), out.rowsValid)

      const [dataset] = yield* Effect.promise(() =>
        duckQuery(`SELECT * FROM ${parquet(paths.events)} WHERE product_id = '1004856'`),
      )
      assert.deepStrictEqual(dataset, {
        event_time: "2019-11-01 00:00:03+00",
        event_type: "view",
        product_id: "1004856",
        category_id: "2053013555631882655",
        category_code: "electronics.smartphone",
        brand: "samsung",
        price: 130.76,
        user_id: "543272936",
        user_session: "6f1e6d6c-8b8a-4c53-9f4e-0d0b0d7a8a1c",
        batch_week_start: "2019-11-01",
        batch_week_end: "2019-11-07",
        ingested_at: "2019-11-28 19:00:00+00",
      })
      const [offset] = yield* Effect.promise(() =>
        duckQuery(`SELECT * FROM ${parquet(paths.events)} WHERE product_id = '77'`),
      )
      assert.strictEqual(offset?.event_time, "2019-11-03 00:00:00+00")
      assert.strictEqual(offset?.event_type, "purchase")
      assert.strictEqual(offset?.category_id, null)
      assert.strictEqual(offset?.category_code, null)
      assert.strictEqual(offset?.brand, "Lé Café")
      assert.strictEqual(offset?.price, 12.5)
      assert.strictEqual(offset?.user_id, "42")

      const rows = yield* Effect.promise(() =>
        duckQuery(
          `SELECT row_index, error_count, errors, raw_event, rejected_at, batch_week_start, batch_week_end FROM ${parquet(paths.rejects)} ORDER BY row_index`,
        ),
      )
      assert.deepStrictEqual(
        rows.map((row) => Number(row.row_index)),
        [...rejectedAt.keys()],
      )
      for (const row of rows) {
        const bad = rejectedAt.get(Number(row.row_index))
        assert.strictEqual(row.raw_event, bad?.line, "the record exactly as received")
        const errors = JSON.parse(String(row.errors)) as Array<{ path: string; message: string }>
        assert.strictEqual(row.error_count, errors.length)
        assert.include(
          errors.map((e) => e.path),
          bad?.path,
        )
        for (const error of errors) assert.isAbove(error.message.length, 0)
        assert.strictEqual(row.rejected_at, "2019-11-28 19:00:00+00")
        assert.strictEqual(row.batch_week_start, "2019-11-01")
        assert.strictEqual(row.batch_week_end, "2019-11-07")
      }

      assert.deepStrictEqual(out.events, {
        path: paths.events,
        sizeBytes: statSync(paths.events).size,
        sha256: sha256(paths.events),
      })
      assert.deepStrictEqual(out.rejects, {
        path: paths.rejects,
        sizeBytes: statSync(paths.rejects).size,
        sha256: sha256(paths.rejects),
      })
      const done = logs.find((line) => line.message === "Schema validation complete")
      assert.strictEqual(done?.valid_records, out.rowsValid)
      assert.strictEqual(done?.total_records, lines.length)
      assert.deepStrictEqual(logs.find((line) => line.message === "Data quality checks passed")?.checks, ALL_CHECKS)
      assert.deepStrictEqual(out.topRejectReasons.slice(0, 3), [
        { reason: "not valid JSON", count: 3 },
        { reason: "a record must be a JSON object", count: 2 },
        { reason: "user_id is required", count: 2 },
      ])
    }),
  )

  it.live("keeps an event outside the week as a reject saying so", () =>
    Effect.gen(function* () {
      const paths = tempWeek()
      const before = `{"event_time":"${utcText(WEEK_START_MS - 1000)}","event_type":"view","user_id":1}`
      const after = `{"event_time":"2019-11-08T00:00:00Z","event_type":"view","user_id":2}`
      const last = `{"event_time":"2019-11-07T23:59:59.999999Z","event_type":"view","user_id":3}`
      writeRaw(paths, [before, after, last])
      const out = Either.getOrThrow((yield* runTransform(paths)).result)
      assert.strictEqual(out.rowsValid, 1)
      const rows = yield* Effect.promise(() =>
        duckQuery(`SELECT errors FROM ${parquet(paths.rejects)} ORDER BY row_index`),
      )
      assert.deepStrictEqual(
        rows.map((row) => JSON.parse(String(row.errors))),
        [
          [
            {
              path: "event_time",
              message: "event_time must be within the week 2019-11-01..2019-11-07, got 2019-10-31T23:59:59.000000Z",
            },
          ],
          [
            {
              path: "event_time",
              message: "event_time must be within the week 2019-11-01..2019-11-07, got 2019-11-08T00:00:00.000000Z",
            },
          ],
        ],
      )
    }),
  )
})
