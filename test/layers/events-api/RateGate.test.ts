import { Clock, Effect, Fiber, Ref, TestClock } from "effect"
import { makeRateGate } from "../../../src/layers/events-api/RateGate.js"
import { assert, describe, it } from "../../support/vitest.js"

describe("makeRateGate", () => {
  it.effect("lets one start through per spacing, however many fibers ask at once", () =>
    Effect.gen(function* () {
      const gate = yield* makeRateGate("2 seconds")
      const starts = yield* Ref.make<ReadonlyArray<number>>([])
      const start = gate.pipe(
        Effect.zipRight(Clock.currentTimeMillis),
        Effect.flatMap((now) => Ref.update(starts, (s) => [...s, now])),
      )
      const fiber = yield* Effect.fork(Effect.all([start, start, start, start], { concurrency: "unbounded" }))
      yield* TestClock.adjust("1 minute")
      yield* Fiber.join(fiber)
      // A later caller waits its turn after the others.
      yield* start
      assert.deepStrictEqual(yield* Ref.get(starts), [0, 2_000, 4_000, 6_000, 60_000])
    }),
  )

  it.effect("with a zero spacing never waits", () =>
    Effect.gen(function* () {
      const gate = yield* makeRateGate(0)
      yield* Effect.all([gate, gate, gate])
      assert.strictEqual(yield* Clock.currentTimeMillis, 0)
    }),
  )
})
