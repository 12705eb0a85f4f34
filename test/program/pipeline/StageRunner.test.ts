import { Effect, TestClock } from "effect"
import { AuthenticationError } from "../../../src/domain/Errors.js"
import { timed } from "../../../src/program/pipeline/StageRunner.js"
import { captureJsonLogs } from "../../support/logs.js"
import { assert, describe, it } from "../../support/vitest.js"

describe("stage runner", () => {
  it.effect("times a stage: started, succeeded or failed, with duration_ms and the error", () => {
    const logs = captureJsonLogs()
    return Effect.gen(function* () {
      yield* Effect.sleep("1500 millis").pipe(
        timed("load"),
        Effect.annotateLogs({ week_start: "2019-12-01" }),
        Effect.withSpan("load"),
        Effect.fork,
      )
      yield* TestClock.adjust("1500 millis")
      yield* Effect.yieldNow()
      const failed = yield* Effect.fail(new AuthenticationError({ message: "bad key", details: { status: 401 } })).pipe(
        timed("extract"),
        Effect.withSpan("extract"),
        Effect.flip,
      )
      assert.strictEqual(failed._tag, "AuthenticationError")
      const { lines } = logs
      assert.deepStrictEqual(
        lines.map((l) => l.message),
        ["load started", "load succeeded", "extract started", "extract failed"],
      )
      assert.strictEqual(lines[1]?.duration_ms, 1500)
      assert.strictEqual(lines[1]?.week_start, "2019-12-01")
      assert.strictEqual(lines[1]?.logger, "load")
      assert.strictEqual(lines[3]?.error_type, "AuthenticationError")
      assert.strictEqual(lines[3]?.error_message, "bad key")
      assert.deepStrictEqual(lines[3]?.error_details, { status: 401 })
      assert.strictEqual(typeof lines[3]?.duration_ms, "number")
    }).pipe(Effect.provide(logs.layer))
  })
})
