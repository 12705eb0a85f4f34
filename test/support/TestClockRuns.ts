import { Effect, Fiber, Option, TestClock } from "effect"

/** Joins a run, moving the TestClock a second at a time (at most 120) so that its status checks happen. */
export const settled = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.fork(self)
    for (let i = 0; i < 120; i++) {
      const exit = yield* Fiber.poll(fiber)
      if (Option.isSome(exit)) return yield* exit.value
      yield* TestClock.adjust("1 second")
    }
    yield* Fiber.interrupt(fiber)
    return yield* Effect.dieMessage("the run did not end within 120 s of TestClock time")
  })
