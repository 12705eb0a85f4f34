import { Cause, Clock, Effect, Exit } from "effect"

/**
 * Wraps a unit of work in a span and three log lines: `"{name} started"`, then
 * `"{name} succeeded"` or `"{name} failed"` with `duration_ms` (and the cause on failure).
 * The annotations are on every line the work logs, and on the span.
 */
export const operation =
  (name: string, annotations: Record<string, unknown> = {}) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.gen(function* () {
      const startedAt = yield* Clock.currentTimeMillis
      yield* Effect.logInfo(`${name} started`)
      return yield* Effect.onExit(self, (exit) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const duration_ms = now - startedAt
          if (Exit.isSuccess(exit))
            return Effect.logInfo(`${name} succeeded`).pipe(Effect.annotateLogs({ duration_ms }))
          if (Cause.isInterruptedOnly(exit.cause)) {
            return Effect.logWarning(`${name} interrupted`).pipe(Effect.annotateLogs({ duration_ms }))
          }
          return Effect.logError(`${name} failed`, exit.cause).pipe(Effect.annotateLogs({ duration_ms }))
        }),
      )
    }).pipe(Effect.annotateLogs(annotations), Effect.withSpan(name, { attributes: annotations }))
