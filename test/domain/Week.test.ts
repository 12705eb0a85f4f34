import { Either, Schema } from "effect"
import { parseWeek, Week, WeekFromFlags } from "../../src/domain/Week.js"
import { weekPaths } from "../../src/domain/WeekPaths.js"
import { assert, describe, it } from "../support/vitest.js"

const week = (start: string, end: string): Week => Either.getOrThrow(parseWeek(start, end))

describe("Week", () => {
  it("is a window of inclusive dates", () => {
    const w = week("2019-12-01", "2019-12-07")
    assert.strictEqual(w.days, 7)
    assert.strictEqual(w.partition, "week_start=2019-12-01/week_end=2019-12-07")
    assert.isTrue(w.containsMicros(Date.UTC(2019, 11, 7, 23, 59, 59) * 1000 + 999_999))
    assert.isFalse(w.containsMicros(Date.UTC(2019, 11, 8) * 1000))
    assert.isFalse(w.containsMicros(Date.UTC(2019, 11, 1) * 1000 - 1))
  })

  it("moves both ends by seven days, across months and years", () => {
    assert.deepStrictEqual({ ...week("2019-12-29", "2020-01-04").next }, { start: "2020-01-05", end: "2020-01-11" })
    assert.deepStrictEqual({ ...week("2020-02-23", "2020-02-29").next }, { start: "2020-03-01", end: "2020-03-07" })
  })

  it("allows a one-day window", () => {
    assert.strictEqual(week("2019-12-01", "2019-12-01").days, 1)
  })

  it("refuses an end before the start, naming the rule and both values", () => {
    const error = Either.getOrThrow(Either.flip(parseWeek("2019-12-07", "2019-12-01", WeekFromFlags)))
    assert.strictEqual(error.message, '--week-end must not be before --week-start 2019-12-07 (got "2019-12-01")')
    assert.strictEqual(error.details.setting, "--week-end")
  })

  it("refuses what is not a date, naming the bad value", () => {
    for (const [start, end, setting, value] of [
      ["2019-13-01", "2019-12-07", "WEEK_START", "2019-13-01"],
      ["2019-12-01", "2019-02-30", "WEEK_END", "2019-02-30"],
      ["12/01/2019", "2019-12-07", "WEEK_START", "12/01/2019"],
      ["2019-12-01", "", "WEEK_END", ""],
    ] as const) {
      const error = Either.getOrThrow(Either.flip(parseWeek(start, end)))
      assert.strictEqual(error.details.setting, setting)
      assert.include(error.message, `"${value}"`)
      assert.include(error.message, "YYYY-MM-DD")
    }
  })

  it("refuses an inverted window through its schema too", () => {
    const result = Schema.decodeUnknownEither(Week)({ start: "2019-12-07", end: "2019-12-01" })
    assert.isTrue(Either.isLeft(result))
  })

  it("derives the seed's paths", () => {
    const paths = weekPaths(
      {
        localDataDir: "data/raw_events",
        localRejectsDir: "data/raw_events_rejects/",
        stateDir: "state",
        lakeBasePath: "reverse_etl/raw_events",
        lakeRejectsBasePath: "reverse_etl/raw_events_rejects",
      },
      week("2019-12-01", "2019-12-07"),
    )
    assert.strictEqual(paths.events, "data/raw_events/week_start=2019-12-01/week_end=2019-12-07/events.parquet")
    assert.strictEqual(
      paths.rejects,
      "data/raw_events_rejects/week_start=2019-12-01/week_end=2019-12-07/rejects.parquet",
    )
    assert.strictEqual(
      paths.lakeEvents,
      "reverse_etl/raw_events/week_start=2019-12-01/week_end=2019-12-07/events.parquet",
    )
    assert.strictEqual(
      paths.lakeRejects,
      "reverse_etl/raw_events_rejects/week_start=2019-12-01/week_end=2019-12-07/rejects.parquet",
    )
    assert.strictEqual(
      paths.sidecar("extract", "abc"),
      "data/raw_events/week_start=2019-12-01/week_end=2019-12-07/_stage_extract_abc.json",
    )
  })
})
