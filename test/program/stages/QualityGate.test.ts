import { Effect, Either, Logger, LogLevel } from "effect"
import fc from "fast-check"
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

const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b))

/**
 * A threshold written with up to 6 decimals and a week whose reject rate is exactly it, built so:
 * the threshold is m / 10^k %, so rejected / fetched = m / (100 × 10^k), reduced and scaled by q.
 */
const exactlyAtThreshold = fc
  .integer({ min: 0, max: 6 })
  .chain((places) =>
    fc.record({
      places: fc.constant(places),
      m: fc.bigInt({ min: 0n, max: 100n * 10n ** BigInt(places) }),
      q: fc.integer({ min: 1, max: 40 }),
    }),
  )
  .map(({ places, m, q }) => {
    const scale = 10n ** BigInt(places)
    const whole = 100n * scale
    const g = m === 0n ? whole : gcd(whole, m)
    const threshold = `${m / scale}${places === 0 ? "" : `.${(m % scale).toString().padStart(places, "0")}`}`
    return { threshold, fetched: Number((whole / g) * BigInt(q)), rejected: Number((m / g) * BigInt(q)) }
  })

/** The gate's verdict alone, without a log to read. */
const verdict = (rowsFetched: number, rowsRejected: number, thresholdPct: number) =>
  qualityGate({ rowsFetched, rowsRejected }, thresholdPct).pipe(
    Effect.either,
    Effect.provide(Logger.remove(Logger.defaultLogger)),
  )

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

  it.effect("passes 7 of 100 rejected at REJECT_THRESHOLD_PCT=7 (7.000000000000001 % in floating point)", () =>
    Effect.gen(function* () {
      const at = yield* gate(100, 7, 7)
      assert.strictEqual(at.status._tag === "Right" && at.status.right, "SUCCESS_WITH_REJECTS")
      const past = yield* gate(100, 8, 7)
      assert.strictEqual(past.status._tag === "Left" && past.status.left._tag, "DataQualityError")
    }),
  )

  it("passes every week whose reject rate is exactly the threshold, and fails one more reject", async () => {
    await fc.assert(
      fc.asyncProperty(exactlyAtThreshold, async ({ threshold, fetched, rejected }) => {
        const at = await Effect.runPromise(verdict(fetched, rejected, Number(threshold)))
        assert.isTrue(Either.isRight(at), `${rejected} of ${fetched} at ${threshold}%`)
        if (rejected < fetched) {
          const past = await Effect.runPromise(verdict(fetched, rejected + 1, Number(threshold)))
          assert.isTrue(Either.isLeft(past), `${rejected + 1} of ${fetched} at ${threshold}%`)
        }
      }),
      { numRuns: 100 },
    )
  })
})
