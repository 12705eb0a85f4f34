import { Clock, Duration, Effect, Ref } from "effect"

/**
 * Spaces out request starts: each caller is given the next free slot, at least `spacing` after
 * the previous one, and sleeps until it comes, so that however many fibers share the gate, no
 * two starts are closer than `spacing`. A zero spacing lets everything through at once.
 */
export const makeRateGate = (spacing: Duration.DurationInput): Effect.Effect<Effect.Effect<void>> => {
  const spacingMs = Duration.toMillis(spacing)
  if (spacingMs <= 0) return Effect.succeed(Effect.void)
  return Effect.map(Ref.make(Number.NEGATIVE_INFINITY), (nextFree) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Ref.modify(nextFree, (free) => {
        const slot = Math.max(now, free)
        return [slot - now, slot + spacingMs] as const
      }),
    ).pipe(Effect.flatMap((wait) => (wait > 0 ? Effect.sleep(Duration.millis(wait)) : Effect.void))),
  )
}
