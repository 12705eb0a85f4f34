import { SqlError } from "@effect/sql/SqlError"
import { Effect, Fiber, Ref, TestClock } from "effect"
import { warehouseError } from "../../src/layers/warehouse/WarehouseSqlErrors.js"
import { warehouseRetry } from "../../src/services/Warehouse.js"
import { assert, describe, it } from "../support/vitest.js"

const sqlError = (cause: object) => new SqlError({ message: "Failed to execute statement", cause })

describe("Warehouse", () => {
  it.effect("retries transient failures after 1 s and 2 s, three attempts in all", () =>
    Effect.gen(function* () {
      const attempts = yield* Ref.make(0)
      const flaky = Ref.updateAndGet(attempts, (n) => n + 1).pipe(
        Effect.flatMap((n) =>
          n < 3 ? Effect.fail(warehouseError("finishRun")(sqlError({ number: 40501 }))) : Effect.succeed("written"),
        ),
      )
      const fiber = yield* Effect.fork(Effect.retry(flaky, warehouseRetry))
      yield* TestClock.adjust("999 millis")
      assert.strictEqual(yield* Ref.get(attempts), 1)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(yield* Ref.get(attempts), 2)
      yield* TestClock.adjust("2 seconds")
      assert.strictEqual(yield* Fiber.join(fiber), "written")
      assert.strictEqual(yield* Ref.get(attempts), 3)
    }),
  )

  it.effect("gives up after three attempts, and never retries a permanent error", () =>
    Effect.gen(function* () {
      const attempts = yield* Ref.make(0)
      const always = (number: number) =>
        Effect.zipRight(
          Ref.update(attempts, (n) => n + 1),
          Effect.fail(warehouseError("finishRun")(sqlError({ number }))),
        )
      const fiber = yield* Effect.fork(Effect.flip(Effect.retry(always(40501), warehouseRetry)))
      yield* TestClock.adjust("1 minute")
      assert.strictEqual((yield* Fiber.join(fiber)).details.sql_error_number, 40501)
      assert.strictEqual(yield* Ref.get(attempts), 3)
      yield* Ref.set(attempts, 0)
      yield* Effect.flip(Effect.retry(always(2627), warehouseRetry))
      assert.strictEqual(yield* Ref.get(attempts), 1)
    }),
  )
})
