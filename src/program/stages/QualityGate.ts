import { Effect } from "effect"
import { DataQualityError } from "../../domain/Errors.js"
import { type RunStatus, rejectRatePct, successStatus } from "../../domain/RunStatus.js"
import { operation } from "../../services/Operation.js"

/** What the gate judges: a week's counts, from the transform's result or its sidecar. */
export interface GateCounts {
  readonly rowsFetched: number
  readonly rowsRejected: number
}

/** The gate's verdict on a week that passed it. */
export interface GateVerdict {
  readonly status: RunStatus
  readonly rejectRatePct: number
  readonly thresholdPct: number
}

/**
 * The quality gate: the run fails with `DataQualityError` when more than `thresholdPct` percent of
 * the week's records were rejected (exactly the threshold passes). Otherwise the status is
 * SUCCESS, or SUCCESS_WITH_REJECTS when some were, with the rate and the threshold it was held to.
 */
export const qualityGate = (counts: GateCounts, thresholdPct: number): Effect.Effect<GateVerdict, DataQualityError> =>
  Effect.gen(function* () {
    const rate = rejectRatePct(counts.rowsFetched, counts.rowsRejected)
    const details = {
      reject_rate_pct: rate,
      reject_threshold_pct: thresholdPct,
      rows_fetched: counts.rowsFetched,
      rows_rejected: counts.rowsRejected,
      rows_valid: counts.rowsFetched - counts.rowsRejected,
    }
    if (rate > thresholdPct) {
      return yield* new DataQualityError({
        message: `reject rate ${rate.toFixed(2)}% is above the threshold of ${thresholdPct}% (REJECT_THRESHOLD_PCT): ${counts.rowsRejected} of ${counts.rowsFetched} records rejected`,
        details,
      })
    }
    const status = successStatus(counts.rowsRejected)
    yield* Effect.logInfo("Quality gate PASSED").pipe(Effect.annotateLogs({ ...details, status }))
    return { status, rejectRatePct: rate, thresholdPct }
  }).pipe(operation("quality-gate"))
