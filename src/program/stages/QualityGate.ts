import { Effect, Schema } from "effect"
import { DataQualityError } from "../../domain/Errors.js"
import { exceedsPct } from "../../domain/ExactRate.js"
import { RunStatus, rejectRatePct, type StageName, successStatus } from "../../domain/RunStatus.js"
import { AppConfig } from "../../services/AppConfig.js"
import type { RunContext } from "../pipeline/RunContext.js"
import type { WeekFile } from "../pipeline/WeekFiles.js"

export const name = "quality-gate" satisfies StageName

/** The gate's verdict on a week that passed it: its status, with the rate and the threshold it was held to. */
export const Output = Schema.Struct({
  status: RunStatus,
  rejectRatePct: Schema.Number,
  thresholdPct: Schema.Number,
})
export type Output = typeof Output.Type

export const writes: ReadonlyArray<WeekFile> = []

export const rowCounts = (_: Output) => [null, null] as const

/** What the gate judges: a week's counts, as the transform handed them over. */
export interface GateCounts {
  readonly rowsFetched: number
  readonly rowsRejected: number
}

/**
 * The quality gate: the run fails with `DataQualityError` when more than `thresholdPct` percent of
 * the week's records were rejected (exactly the threshold passes). Otherwise the status is
 * SUCCESS, or SUCCESS_WITH_REJECTS when some were. The rate is compared exactly (7 of 100 is 7 %,
 * not 7.000000000000001 %); the float `rate` is only reported.
 */
export const qualityGate = (counts: GateCounts, thresholdPct: number): Effect.Effect<Output, DataQualityError> =>
  Effect.gen(function* () {
    const rate = rejectRatePct(counts.rowsFetched, counts.rowsRejected)
    const details = {
      reject_rate_pct: rate,
      reject_threshold_pct: thresholdPct,
      rows_fetched: counts.rowsFetched,
      rows_rejected: counts.rowsRejected,
      rows_valid: counts.rowsFetched - counts.rowsRejected,
    }
    if (exceedsPct(counts.rowsRejected, counts.rowsFetched, thresholdPct)) {
      return yield* new DataQualityError({
        message: `reject rate ${rate.toFixed(2)}% is above the threshold of ${thresholdPct}% (REJECT_THRESHOLD_PCT): ${counts.rowsRejected} of ${counts.rowsFetched} records rejected`,
        details,
      })
    }
    const status = successStatus(counts.rowsRejected)
    yield* Effect.logInfo("Quality gate PASSED").pipe(Effect.annotateLogs({ ...details, status }))
    return { status, rejectRatePct: rate, thresholdPct }
  })

/** The stage in a run: the transform's counts held to REJECT_THRESHOLD_PCT. */
export const run = (_: RunContext, input: GateCounts) =>
  Effect.flatMap(AppConfig, (settings) => qualityGate(input, settings.quality.rejectThresholdPct))
