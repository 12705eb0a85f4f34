import { Effect, Either, LogLevel } from "effect"
import { loggingLayer } from "../../../src/program/cli/Logging.js"
import { qualityGate } from "../../../src/program/stages/QualityGate.js"
import { assert, describe, it } from "../../support/vitest.js"

const gate = (rowsFetched: number, rowsRejected: number, thresholdPct: number) => {
  const logs: Array<Record<string, unknown>> = []
  const write = (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>)
  return qualityGate({ rowsFetched, rowsRejected }, thresholdPct).pipe(
    Effect.either,
    Effect.map((verdict) => ({ status: Either.map(verdict, (v) => v.status), verdict, logs })),
    Effect.provide(loggingLayer({ format: "json", level: LogLevel.Info, write })),
  )
}

describe("quality gate", () => {
  it.effect("passes a week without rejects as SUCCESS", () =>
    Effect.gen(function* () {
      const { status, verdict, logs } = yield* gate(1000, 0, 5)
      assert.strictEqual(status._tag === "Right" && status.right, "SUCCESS")
      assert.deepStrictEqual(Either.getOrThrow(verdict), { status: "SUCCESS", rejectRatePct: 0, thresholdPct: 5 })
      const passed = logs.find((line) => line.message === "Quality gate PASSED")
      assert.strictEqual(passed?.reject_rate_pct, 0)
      assert.strictEqual(passed?.status, "SUCCESS")
    }),
  )

  it.effect("passes a reject rate up to the threshold as SUCCESS_WITH_REJECTS", () =>
    Effect.gen(function* () {
      const under = yield* gate(1000, 49, 5)
      assert.strictEqual(under.status._tag === "Right" && under.status.right, "SUCCESS_WITH_REJECTS")
      const at = yield* gate(1000, 50, 5)
      assert.strictEqual(at.status._tag === "Right" && at.status.right, "SUCCESS_WITH_REJECTS")
    }),
  )

  it.effect("fails a reject rate above the threshold with the rate, threshold and counts", () =>
    Effect.gen(function* () {
      const { status, logs } = yield* gate(1000, 51, 5)
      if (status._tag === "Right") assert.fail("expected the gate to fail")
      assert.strictEqual(status.left._tag, "DataQualityError")
      assert.deepStrictEqual(status.left.details, {
        reject_rate_pct: 5.1,
        reject_threshold_pct: 5,
        rows_fetched: 1000,
        rows_rejected: 51,
        rows_valid: 949,
      })
      assert.include(status.left.message, "reject rate 5.10% is above the threshold of 5%")
      assert.isUndefined(logs.find((line) => line.message === "Quality gate PASSED"))
    }),
  )

  it.effect("passes an empty week (nothing was rejected)", () =>
    Effect.gen(function* () {
      const { status } = yield* gate(0, 0, 0)
      assert.strictEqual(status._tag === "Right" && status.right, "SUCCESS")
    }),
  )
})
