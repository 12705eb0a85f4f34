import { DataQualityError } from "./Errors.js"
import type { Week } from "./Week.js"

/**
 * What the dataset checks count over the valid rows of a week, added up batch by batch while
 * the week streams through (no second pass). Per-record validation already refuses a null
 * user_id, a negative price and an event outside the week, so the last three stay at zero unless
 * a row slipped past it: they are the safety net between validation and the files.
 */
export interface QualityCounts {
  readonly validRows: number
  readonly nullUserId: number
  readonly outsideWeek: number
  readonly negativePrice: number
}

export const noQualityCounts: QualityCounts = { validRows: 0, nullUserId: 0, outsideWeek: 0, negativePrice: 0 }

export const addQualityCounts = (a: QualityCounts, b: QualityCounts): QualityCounts => ({
  validRows: a.validRows + b.validRows,
  nullUserId: a.nullUserId + b.nullUserId,
  outsideWeek: a.outsideWeek + b.outsideWeek,
  negativePrice: a.negativePrice + b.negativePrice,
})

export type QualityCheckName = "min_valid_rows" | "null_user_id" | "event_time_in_week" | "non_negative_price"

/** One dataset check: its rule, whether the week passed it, and the count it was judged on. */
export interface QualityCheck {
  readonly name: QualityCheckName
  readonly rule: string
  readonly passed: boolean
  /** Valid rows for `min_valid_rows`; offending rows for the others. */
  readonly count: number
}

export const qualityChecks = (counts: QualityCounts, minValidRows: number, week: Week): ReadonlyArray<QualityCheck> => [
  {
    name: "min_valid_rows",
    rule: `at least ${minValidRows} valid row${minValidRows === 1 ? "" : "s"} (MIN_VALID_ROWS)`,
    passed: counts.validRows >= minValidRows,
    count: counts.validRows,
  },
  { name: "null_user_id", rule: "no row without a user_id", passed: counts.nullUserId === 0, count: counts.nullUserId },
  {
    name: "event_time_in_week",
    rule: `every event_time within ${week}`,
    passed: counts.outsideWeek === 0,
    count: counts.outsideWeek,
  },
  {
    name: "non_negative_price",
    rule: "no negative price",
    passed: counts.negativePrice === 0,
    count: counts.negativePrice,
  },
]

/** The error for the checks a week failed, naming each with its count; `undefined` when all passed. */
export const failedChecksError = (checks: ReadonlyArray<QualityCheck>, week: Week): DataQualityError | undefined => {
  const failed = checks.filter((check) => !check.passed)
  if (failed.length === 0) return undefined
  const describe = (check: QualityCheck) =>
    check.name === "min_valid_rows"
      ? `${check.count} valid rows, wanted ${check.rule}`
      : `${check.count} rows break "${check.rule}"`
  return new DataQualityError({
    message: `week ${week} failed ${failed.length} data quality check${failed.length === 1 ? "" : "s"}: ${failed.map(describe).join("; ")}`,
    details: {
      week_start: week.start,
      week_end: week.end,
      failed_checks: Object.fromEntries(failed.map((check) => [check.name, { count: check.count, rule: check.rule }])),
    },
  })
}
