import { existsSync, readdirSync, writeFileSync } from "node:fs"
import { Effect, Either } from "effect"
import { duckColumns, duckQuery, parquet } from "../../support/DuckDb.js"
import { brokenLines, eventLines } from "../../support/RawEvents.js"
import { assert, describe, it } from "../../support/vitest.js"
import {
  ALL_CHECKS,
  runTransform,
  runValidation,
  tempWeek,
  WEEK_START_MS,
  writeRaw,
} from "../../support/WeekFixture.js"

const valid = (count: number, seed = 1) => {
  const lines = eventLines({ startMs: WEEK_START_MS, days: 7, count, seed })
  return Array.from({ length: count }, lines.next)
}

const failure = <A, E>(either: Either.Either<A, E>): E => {
  if (Either.isRight(either)) assert.fail("expected the stage to fail")
  return either.left
}

describe("transform outcomes", () => {
  it.live("writes an empty rejects.parquet when nothing is rejected, so every partition is complete", () =>
    Effect.gen(function* () {
      const paths = tempWeek()
      writeRaw(paths, valid(25))
      const out = Either.getOrThrow((yield* runTransform(paths)).result)
      assert.strictEqual(out.rowsRejected, 0)
      assert.deepStrictEqual(out.topRejectReasons, [])
      const [rejects] = yield* Effect.promise(() => duckQuery(`SELECT count(*) AS n FROM ${parquet(paths.rejects)}`))
      assert.strictEqual(Number(rejects?.n), 0)
      assert.strictEqual((yield* Effect.promise(() => duckColumns(paths.rejects))).length, 7)
      const [events] = yield* Effect.promise(() => duckQuery(`SELECT count(*) AS n FROM ${parquet(paths.events)}`))
      assert.strictEqual(Number(events?.n), 25)
    }),
  )

  it.live("on a dry run validates, checks and reports, and writes no file", () =>
    Effect.gen(function* () {
      const paths = tempWeek()
      writeRaw(paths, [...valid(10), ...brokenLines(WEEK_START_MS).map((bad) => bad.line)])
      const { result, logs } = yield* runValidation(paths)
      const out = Either.getOrThrow(result)
      assert.strictEqual(out.rowsValid, 10)
      assert.strictEqual(out.rowsRejected, brokenLines(WEEK_START_MS).length)
      assert.notProperty(out, "events")
      assert.notProperty(out, "rejects")
      assert.deepStrictEqual(logs.find((line) => line.message === "Data quality checks passed")?.checks, ALL_CHECKS)
      assert.deepStrictEqual(readdirSync(paths.localDir), ["raw.ndjson"])
      assert.isFalse(existsSync(paths.localRejectsDir))
      assert.isDefined(logs.find((line) => line.message === "Schema validation complete"))
    }),
  )

  it.live("fails the dataset checks naming each failed check with its count, and keeps the rejects", () =>
    Effect.gen(function* () {
      const paths = tempWeek()
      writeRaw(paths, ["not json", '{"event_type":"view"}', ...valid(3)])
      const error = failure((yield* runTransform(paths, { MIN_VALID_ROWS: "5" })).result)
      assert.strictEqual(error._tag, "DataQualityError")
      assert.deepStrictEqual(error.details.failed_checks, {
        min_valid_rows: { count: 3, rule: "at least 5 valid rows (MIN_VALID_ROWS)" },
      })
      assert.include(error.message, "failed 1 data quality check")
      assert.isFalse(existsSync(paths.events), "no events file for a week that failed its checks")
      assert.deepStrictEqual(readdirSync(paths.localDir), ["raw.ndjson"], "no temp file left behind")
      const rows = yield* Effect.promise(() => duckQuery(`SELECT row_index FROM ${parquet(paths.rejects)}`))
      assert.deepStrictEqual(
        rows.map((row) => Number(row.row_index)),
        [0, 1],
      )
    }),
  )

  it.live("fails a week with no valid row under the default minimum of one", () =>
    Effect.gen(function* () {
      const paths = tempWeek()
      writeRaw(paths, ["[]", "{}"])
      const error = failure((yield* runTransform(paths)).result)
      assert.deepStrictEqual(Object.keys(error.details.failed_checks as object), ["min_valid_rows"])
    }),
  )

  it.live("takes an empty week when MIN_VALID_ROWS is 0, writing readable empty files", () =>
    Effect.gen(function* () {
      const paths = tempWeek()
      writeFileSync(paths.raw, "")
      const out = Either.getOrThrow((yield* runTransform(paths, { MIN_VALID_ROWS: "0" })).result)
      assert.deepStrictEqual([out.rowsFetched, out.rowsValid, out.rowsRejected], [0, 0, 0])
      const [events] = yield* Effect.promise(() => duckQuery(`SELECT count(*) AS n FROM ${parquet(paths.events)}`))
      assert.strictEqual(Number(events?.n), 0)
      assert.strictEqual((yield* Effect.promise(() => duckColumns(paths.events))).length, 12)
    }),
  )

  it.live("names the missing raw.ndjson", () =>
    Effect.gen(function* () {
      const paths = tempWeek()
      const error = failure((yield* runTransform(paths)).result)
      assert.strictEqual(error._tag, "LocalStorageError")
      assert.include(error.message, paths.raw)
      assert.strictEqual(error.details.path, paths.raw)
    }),
  )

  it.live("reads CRLF line ends and a last line without a newline", () =>
    Effect.gen(function* () {
      const paths = tempWeek()
      const [a, b, c] = valid(3)
      writeFileSync(paths.raw, `${a}\r\n\r\n${b}\n${c}`)
      const out = Either.getOrThrow((yield* runTransform(paths)).result)
      assert.deepStrictEqual([out.rowsFetched, out.rowsValid, out.rowsRejected], [4, 3, 1])
      const [reject] = yield* Effect.promise(() =>
        duckQuery(`SELECT row_index, raw_event FROM ${parquet(paths.rejects)}`),
      )
      assert.deepStrictEqual([Number(reject?.row_index), reject?.raw_event], [1, ""])
    }),
  )

  it.live("writes rejects in row groups of PARQUET_ROW_GROUP_SIZE rows, in line order", () =>
    Effect.gen(function* () {
      const paths = tempWeek()
      writeRaw(
        paths,
        Array.from({ length: 2500 }, (_, i) => `not json ${i}`),
      )
      const out = Either.getOrThrow(
        (yield* runTransform(paths, { MIN_VALID_ROWS: "0", PARQUET_ROW_GROUP_SIZE: "1000" })).result,
      )
      assert.strictEqual(out.rowsRejected, 2500)
      const groups = yield* Effect.promise(() =>
        duckQuery(
          `SELECT DISTINCT row_group_id, row_group_num_rows FROM parquet_metadata('${paths.rejects}') ORDER BY 1`,
        ),
      )
      assert.deepStrictEqual(
        groups.map((group) => Number(group.row_group_num_rows)),
        [1000, 1000, 500],
      )
      const rows = yield* Effect.promise(() => duckQuery(`SELECT row_index, raw_event FROM ${parquet(paths.rejects)}`))
      assert.isTrue(rows.every((row, i) => Number(row.row_index) === i && row.raw_event === `not json ${i}`))
    }),
  )
})
