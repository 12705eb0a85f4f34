import { Either } from "effect"
import { addQualityCounts, failedChecksError, noQualityCounts, qualityChecks } from "../../src/domain/QualityChecks.js"
import { parseWeek } from "../../src/domain/Week.js"
import { assert, describe, it } from "../support/vitest.js"

const week = Either.getOrThrow(parseWeek("2019-11-01", "2019-11-07"))

describe("dataset quality checks", () => {
  it("add up batch by batch", () => {
    const a = { validRows: 10, nullUserId: 1, outsideWeek: 0, negativePrice: 2 }
    assert.deepStrictEqual(addQualityCounts(addQualityCounts(noQualityCounts, a), a), {
      validRows: 20,
      nullUserId: 2,
      outsideWeek: 0,
      negativePrice: 4,
    })
  })

  it("pass a clean week", () => {
    const checks = qualityChecks({ ...noQualityCounts, validRows: 1 }, 1, week)
    assert.isTrue(checks.every((check) => check.passed))
    assert.isUndefined(failedChecksError(checks, week))
  })

  it("name each failed check with its count", () => {
    const checks = qualityChecks({ validRows: 2, nullUserId: 3, outsideWeek: 4, negativePrice: 0 }, 5, week)
    const error = failedChecksError(checks, week)
    assert.strictEqual(error?._tag, "DataQualityError")
    assert.deepStrictEqual(error?.details.failed_checks, {
      min_valid_rows: { count: 2, rule: "at least 5 valid rows (MIN_VALID_ROWS)" },
      null_user_id: { count: 3, rule: "no row without a user_id" },
      event_time_in_week: { count: 4, rule: "every event_time within 2019-11-01..2019-11-07" },
    })
    assert.strictEqual(
      error?.message,
      'week 2019-11-01..2019-11-07 failed 3 data quality checks: 2 valid rows, wanted at least 5 valid rows (MIN_VALID_ROWS); 3 rows break "no row without a user_id"; 4 rows break "every event_time within 2019-11-01..2019-11-07"',
    )
  })

  it("take a minimum of 0 valid rows for an empty week", () => {
    assert.isUndefined(failedChecksError(qualityChecks(noQualityCounts, 0, week), week))
  })

  // One week per check, breaking that check alone by one row; the expected names are written out here.
  const breaking = [
    [{ validRows: 4, nullUserId: 0, outsideWeek: 0, negativePrice: 0 }, "min_valid_rows", 4],
    [{ validRows: 5, nullUserId: 1, outsideWeek: 0, negativePrice: 0 }, "null_user_id", 1],
    [{ validRows: 5, nullUserId: 0, outsideWeek: 1, negativePrice: 0 }, "event_time_in_week", 1],
    [{ validRows: 5, nullUserId: 0, outsideWeek: 0, negativePrice: 1 }, "non_negative_price", 1],
  ] as const

  for (const [counts, name, count] of breaking)
    it(`fail ${name} alone when one row breaks it`, () => {
      const checks = qualityChecks(counts, 5, week)
      assert.deepStrictEqual(
        checks.filter((check) => !check.passed).map((check) => [check.name, check.count]),
        [[name, count]],
      )
      const error = failedChecksError(checks, week)
      assert.deepStrictEqual(Object.keys(error?.details.failed_checks as object), [name])
      assert.include(error?.message, "failed 1 data quality check:")
    })
})
