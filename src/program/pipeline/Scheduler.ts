import { Cause, Clock, Cron, Duration, Effect } from "effect"

/**
 * Runs `job` at every time `cron` matches, one run at a time: the next time is computed after a
 * run ends, so a run longer than the interval delays the next instead of overlapping it. A failed
 * run is logged and the schedule goes on; interruption (SIGTERM/SIGINT) ends the loop.
 */
export const runOnSchedule = <A, E, R>(cron: Cron.Cron, job: Effect.Effect<A, E, R>): Effect.Effect<never, never, R> =>
  Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    const next = Cron.next(cron, new Date(now))
    yield* Effect.logInfo("Next run scheduled").pipe(
      Effect.annotateLogs({ next_run_at: next.toISOString(), in_seconds: Math.round((next.getTime() - now) / 1000) }),
    )
    yield* Effect.sleep(Duration.millis(next.getTime() - now))
    yield* job.pipe(
      Effect.catchAllCause((cause) =>
        Cause.isInterruptedOnly(cause)
          ? Effect.interrupt
          : Effect.logError("Scheduled run failed; the schedule goes on", cause),
      ),
    )
  }).pipe(Effect.forever)
