import { Clock, Effect, Fiber, Ref, TestClock } from "effect"
import { ApiConnectionError, ApiResponseError, ApiTimeoutError, AuthenticationError } from "../../src/domain/Errors.js"
import { type ApiFailure, apiRetry, isTransientApiFailure } from "../../src/services/EventsApi.js"
import { assert, describe, it } from "../support/vitest.js"

const status = (code: number, extra: Record<string, unknown> = {}) =>
  new ApiResponseError({ message: `HTTP ${code}`, details: { status: code, ...extra } })

/**
 * Runs an attempt that fails with `failures` in turn (then succeeds) under `apiRetry`,
 * and answers when each attempt started (TestClock ms from the first), and how it ended.
 */
const attemptTimes = (attempts: number, failures: ReadonlyArray<ApiFailure>) =>
  Effect.gen(function* () {
    const start = yield* Clock.currentTimeMillis
    const times = yield* Ref.make<ReadonlyArray<number>>([])
    const attempt = Effect.gen(function* () {
      const now = (yield* Clock.currentTimeMillis) - start
      const seen = yield* Ref.updateAndGet(times, (t) => [...t, now])
      const failure = failures[seen.length - 1]
      return failure === undefined ? "ok" : yield* Effect.fail(failure)
    })
    const fiber = yield* Effect.fork(Effect.either(Effect.retry(attempt, apiRetry(attempts))))
    yield* TestClock.adjust("1 hour")
    const outcome = yield* Fiber.join(fiber)
    return { times: yield* Ref.get(times), outcome }
  })

describe("apiRetry", () => {
  it.effect("waits 2, 4, 8, 16 s, then 30 s at most, for as many attempts as API_MAX_RETRIES", () =>
    Effect.gen(function* () {
      const failures = Array.from({ length: 10 }, () => status(503))
      const { times, outcome } = yield* attemptTimes(8, failures)
      assert.deepStrictEqual(times, [0, 2_000, 6_000, 14_000, 30_000, 60_000, 90_000, 120_000])
      assert.strictEqual(outcome._tag, "Left")
    }),
  )

  it.effect("stops retrying as soon as an attempt succeeds", () =>
    Effect.gen(function* () {
      const { times, outcome } = yield* attemptTimes(3, [status(500), status(502)])
      assert.deepStrictEqual(times, [0, 2_000, 6_000])
      assert.deepStrictEqual(outcome._tag, "Right")
    }),
  )

  it.effect("a Retry-After replaces the backoff wait for that retry only", () =>
    Effect.gen(function* () {
      const { times } = yield* attemptTimes(4, [status(429, { retry_after_ms: 7_000 }), status(504), status(503)])
      assert.deepStrictEqual(times, [0, 7_000, 11_000, 19_000])
    }),
  )

  it.effect("retries connection failures and timeouts", () =>
    Effect.gen(function* () {
      const { times, outcome } = yield* attemptTimes(3, [
        new ApiConnectionError({ message: "reset" }),
        new ApiTimeoutError({ message: "slow" }),
      ])
      assert.deepStrictEqual(times, [0, 2_000, 6_000])
      assert.strictEqual(outcome._tag, "Right")
    }),
  )

  it.effect("never retries a 4xx other than 429, nor a refused key", () =>
    Effect.gen(function* () {
      for (const failure of [
        status(400),
        status(404),
        new AuthenticationError({ message: "no", details: { status: 401 } }),
      ]) {
        const { times, outcome } = yield* attemptTimes(5, [failure])
        assert.deepStrictEqual(times, [0])
        assert.strictEqual(outcome._tag, "Left")
      }
    }),
  )

  it.effect("tells transient failures from final ones", () =>
    Effect.sync(() => {
      assert.isTrue(isTransientApiFailure(status(429)))
      assert.isTrue(isTransientApiFailure(status(500)))
      assert.isTrue(isTransientApiFailure(status(503)))
      assert.isFalse(isTransientApiFailure(status(400)))
      assert.isFalse(isTransientApiFailure(status(403)))
      assert.isFalse(isTransientApiFailure(new ApiResponseError({ message: "not JSON", details: { status: 200 } })))
    }),
  )
})
