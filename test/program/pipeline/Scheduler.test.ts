import { Clock, Cron, Effect, Either, Fiber, Ref, TestClock } from "effect"
import { runOnSchedule } from "../../../src/program/pipeline/Scheduler.js"
import { assert, describe, it } from "../../support/vitest.js"

const weekdays14 = Either.getOrThrow(Cron.parse("0 14 * * 1-5", "UTC"))
const saturday = Date.UTC(2019, 11, 7, 9, 0, 0) // Saturday 2019-12-07 09:00 UTC

describe("runOnSchedule", () => {
  it.effect("runs at each matching time, weekdays 14:00 UTC, never on the weekend", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(saturday)
      const runs = yield* Ref.make<Array<string>>([])
      const job = Effect.flatMap(Clock.currentTimeMillis, (t) =>
        Ref.update(runs, (r) => [...r, new Date(t).toISOString()]),
      )
      const fiber = yield* Effect.fork(runOnSchedule(weekdays14, job))
      yield* TestClock.adjust("4 days")
      assert.deepStrictEqual(yield* Ref.get(runs), ["2019-12-09T14:00:00.000Z", "2019-12-10T14:00:00.000Z"])
      yield* Fiber.interrupt(fiber)
    }),
  )

  it.effect("never overlaps: a run longer than the interval pushes the next one", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(saturday)
      const starts = yield* Ref.make<Array<string>>([])
      const longJob = Effect.flatMap(Clock.currentTimeMillis, (t) =>
        Ref.update(starts, (r) => [...r, new Date(t).toISOString()]),
      ).pipe(Effect.zipRight(Effect.sleep("30 hours")))
      const fiber = yield* Effect.fork(runOnSchedule(weekdays14, longJob))
      yield* TestClock.adjust("5 days")
      // Monday 14:00 runs until Tuesday 20:00, so Tuesday 14:00 is skipped; Wednesday 14:00 runs.
      assert.deepStrictEqual(yield* Ref.get(starts), ["2019-12-09T14:00:00.000Z", "2019-12-11T14:00:00.000Z"])
      yield* Fiber.interrupt(fiber)
    }),
  )

  it.effect("goes on after a failed run", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(saturday)
      const attempts = yield* Ref.make(0)
      const failing = Ref.updateAndGet(attempts, (n) => n + 1).pipe(Effect.zipRight(Effect.fail("boom")))
      const fiber = yield* Effect.fork(runOnSchedule(weekdays14, failing))
      yield* TestClock.adjust("4 days")
      assert.strictEqual(yield* Ref.get(attempts), 2)
      yield* Fiber.interrupt(fiber)
    }),
  )
})
