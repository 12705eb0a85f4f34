import { SqlClient } from "@effect/sql"
import { Effect, Layer, Ref, TestClock } from "effect"
import * as AppConfigProvider from "../../../src/layers/config/AppConfigProvider.js"
import { weekFromCheckpoint } from "../../../src/program/pipeline/Checkpoint.js"
import type { AppConfig } from "../../../src/services/AppConfig.js"
import { Warehouse } from "../../../src/services/Warehouse.js"
import { flakyWarehouse } from "../../support/FlakyWarehouse.js"
import { captureLogs } from "../../support/logs.js"
import { assert, describe, it } from "../../support/vitest.js"
import { WEEK, week } from "../../support/warehouse.js"

const configured = { WEEK_START: "2019-11-17", WEEK_END: "2019-11-23" }

const withWarehouse = <A, E>(
  body: Effect.Effect<A, E, Warehouse | AppConfig | SqlClient.SqlClient>,
  options: { settings?: Record<string, string>; down?: boolean } = {},
) =>
  Effect.gen(function* () {
    const logs = captureLogs()
    const failing = yield* Ref.make<ReadonlySet<string>>(new Set())
    const result = yield* Effect.gen(function* () {
      yield* (yield* Warehouse).migrate
      if (options.down) yield* Ref.set(failing, new Set(["*"]))
      return yield* body
    }).pipe(
      Effect.either,
      Effect.provide(
        Layer.mergeAll(flakyWarehouse(failing), AppConfigProvider.layerFromMap(options.settings ?? {}), logs.layer),
      ),
    )
    return { result, logs: logs.lines }
  })

describe("the week --use-checkpoint runs", () => {
  it.effect("is the configured week while the warehouse has no checkpoint", () =>
    Effect.gen(function* () {
      const { result } = yield* withWarehouse(weekFromCheckpoint(), { settings: configured })
      assert.deepStrictEqual(result._tag === "Right" ? result.right : result.left, week("2019-11-17", "2019-11-23"))
    }),
  )

  it.effect("names WEEK_START when there is neither a checkpoint nor a configured week", () =>
    Effect.gen(function* () {
      const { result } = yield* withWarehouse(weekFromCheckpoint())
      assert.strictEqual(result._tag === "Left" ? result.left._tag : undefined, "ConfigurationError")
      assert.strictEqual(result._tag === "Left" ? result.left.details.setting : undefined, "WEEK_START")
    }),
  )

  it.effect("is the checkpoint's next week, with a warning once the checkpoint is over 14 days old", () =>
    Effect.gen(function* () {
      const advancedAt = Date.parse("2019-12-08T07:00:00Z")
      const run = (ageDays: number) =>
        withWarehouse(
          Effect.gen(function* () {
            yield* TestClock.setTime(advancedAt)
            yield* (yield* Warehouse).advanceCheckpoint(WEEK)
            yield* TestClock.setTime(advancedAt + ageDays * 86_400_000)
            return yield* weekFromCheckpoint()
          }),
          { settings: configured },
        )
      const fresh = yield* run(13.9)
      assert.deepStrictEqual(
        fresh.result._tag === "Right" ? fresh.result.right : undefined,
        week("2019-12-08", "2019-12-14"),
      )
      assert.isFalse(fresh.logs.some((l) => l.level === "WARN"))
      const stale = yield* run(15)
      assert.deepStrictEqual(
        stale.result._tag === "Right" ? stale.result.right : undefined,
        week("2019-12-08", "2019-12-14"),
      )
      const warning = stale.logs.find((l) => l.level === "WARN")
      assert.include(warning?.message, "last updated 15 days ago")
      assert.strictEqual(warning?.annotations.updated_at, "2019-12-08T07:00:00.000Z")
    }),
  )

  it.effect("stops with a CheckpointError when the checkpoint cannot be read, or makes no sense", () =>
    Effect.gen(function* () {
      const down = yield* withWarehouse(weekFromCheckpoint(), { settings: configured, down: true })
      assert.strictEqual(down.result._tag === "Left" ? down.result.left._tag : undefined, "CheckpointError")
      const corrupt = yield* withWarehouse(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          yield* sql`INSERT INTO pipeline_checkpoint VALUES (1, '2019-12-14', '2019-12-08', '2019-12-08T07:00:00Z')`
          return yield* weekFromCheckpoint()
        }),
        { settings: configured },
      )
      const error = corrupt.result._tag === "Left" ? corrupt.result.left : undefined
      assert.strictEqual(error?._tag, "CheckpointError")
      assert.include(error?.message, "pipeline_checkpoint.next_week_end must not be before")
    }),
  )
})
