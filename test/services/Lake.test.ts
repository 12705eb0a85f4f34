import { Effect, Either, Fiber, Ref, TestClock } from "effect"
import { AuthenticationError, AzureStorageError } from "../../src/domain/Errors.js"
import { lakeRetry } from "../../src/services/Lake.js"
import { assert, describe, it } from "../support/vitest.js"

const busy = new AzureStorageError({ message: "503", details: { transient: true } })

describe("Lake", () => {
  it.effect("retries a transient failure after 1, 2, 4 and 8 seconds, then gives up", () =>
    Effect.gen(function* () {
      const attempts = yield* Ref.make(0)
      const fiber = yield* Ref.update(attempts, (n) => n + 1).pipe(
        Effect.zipRight(Effect.fail(busy)),
        Effect.retry(lakeRetry),
        Effect.either,
        Effect.fork,
      )
      const seen: Array<number> = []
      for (const seconds of [0, 1, 2, 4, 8]) {
        yield* TestClock.adjust(`${seconds} seconds`)
        seen.push(yield* Ref.get(attempts))
      }
      assert.deepStrictEqual(seen, [1, 2, 3, 4, 5])
      assert.isTrue(Either.isLeft(yield* Fiber.join(fiber)))
    }),
  )

  it.effect("does not retry an authentication failure or a mismatch", () =>
    Effect.gen(function* () {
      for (const error of [
        new AuthenticationError({ message: "403" }),
        new AzureStorageError({ message: "mismatch", details: { transient: false } }),
      ]) {
        const attempts = yield* Ref.make(0)
        yield* Ref.update(attempts, (n) => n + 1).pipe(
          Effect.zipRight(Effect.fail(error)),
          Effect.retry(lakeRetry),
          Effect.ignore,
        )
        assert.strictEqual(yield* Ref.get(attempts), 1)
      }
    }),
  )
})
