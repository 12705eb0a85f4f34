import { Clock, Effect, Fiber, Schedule } from "effect"
import { progressDone, reportProgress } from "../../services/Progress.js"

/**
 * Runs `self` while a fiber redraws its progress every half second from `describe` (which reads
 * counters the stage updates as it goes). Without a Progress service it costs one idle fiber.
 */
export const withProgress =
  (stage: string, describe: (elapsedSeconds: number) => string) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.gen(function* () {
      const started = yield* Clock.currentTimeMillis
      const report = Effect.flatMap(Clock.currentTimeMillis, (now) =>
        reportProgress(stage, describe((now - started) / 1000)),
      )
      // Interruptible even when the stage is not (the scheduler runs stages uninterruptibly), so
      // the stage can always stop its reporter.
      const reporter = yield* Effect.fork(
        Effect.interruptible(report.pipe(Effect.repeat(Schedule.spaced("500 millis")))),
      )
      return yield* self.pipe(Effect.ensuring(Fiber.interrupt(reporter).pipe(Effect.zipRight(progressDone(stage)))))
    })

export const perSecond = (count: number, seconds: number): string =>
  seconds > 0 ? `${Math.round(count / seconds).toLocaleString("en-US")}/s` : "–"
