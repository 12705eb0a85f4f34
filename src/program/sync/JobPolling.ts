import { type Context, Duration, Effect, Option } from "effect"
import { SalesforceSyncError } from "../../domain/Errors.js"
import { type BulkJob, isFinished } from "../../domain/SalesforceResults.js"
import type { Crm, CrmError } from "../../services/Crm.js"

export interface PollOptions {
  /** The longest wait between two status checks of a job (SF_POLL_INTERVAL_SECONDS). */
  readonly interval: Duration.DurationInput
  /** How long a job may take from its close, the first check included (SF_POLL_TIMEOUT_SECONDS). */
  readonly timeout: Duration.DurationInput
}

/** A job just closed is never done at once: the first check comes after a second. */
const FIRST_CHECK = Duration.seconds(1)
const GROWTH = 2

/**
 * The wait before the `n`th status check of a job (from 0): 1 s, 2 s, 4 s ... never more
 * than `cap`. A short job is seen done soon; a long one costs few API calls (Salesforce counts
 * them per org and day).
 */
export const pollDelay = (n: number, cap: Duration.DurationInput): Duration.Duration =>
  Duration.min(Duration.times(FIRST_CHECK, GROWTH ** Math.min(n, 64)), Duration.decode(cap))

/**
 * Checks a closed job after `pollDelay(0)`, `pollDelay(1)` ... until it is finished. `None` when
 * `timeout` passes first: the job is left alone (Salesforce keeps processing it) for a later run.
 */
export const awaitJob = (
  crm: Context.Tag.Service<Crm>,
  jobId: string,
  options: PollOptions,
): Effect.Effect<Option.Option<BulkJob>, CrmError> => {
  const check = crm.jobInfo(jobId).pipe(
    Effect.flatMap(
      Option.match({
        onNone: () =>
          Effect.fail(
            new SalesforceSyncError({
              message: `Bulk job ${jobId} disappeared from Salesforce while it was being processed`,
              details: { jobId, operation: "poll" },
            }),
          ),
        onSome: Effect.succeed,
      }),
    ),
  )
  return Effect.gen(function* () {
    for (let n = 0; ; n++) {
      yield* Effect.sleep(pollDelay(n, options.interval))
      const job = yield* check
      if (isFinished(job.state)) return job
    }
  }).pipe(Effect.timeoutOption(Duration.decode(options.timeout)))
}
