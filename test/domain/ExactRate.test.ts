import fc from "fast-check"
import { decimalOf, exceedsPct, holdsDecimal, parseDecimal } from "../../src/domain/ExactRate.js"
import { assert, describe, it } from "../support/vitest.js"

describe("exact rates", () => {
  it("read decimals as written, the exponent form String(n) uses included", () => {
    assert.deepStrictEqual(parseDecimal("7"), { num: 7n, den: 1n })
    assert.deepStrictEqual(parseDecimal("12.50"), { num: 1250n, den: 100n })
    assert.deepStrictEqual(parseDecimal(".25"), { num: 25n, den: 100n })
    assert.deepStrictEqual(parseDecimal("+3."), { num: 3n, den: 1n })
    assert.deepStrictEqual(parseDecimal("1e-7"), { num: 1n, den: 10_000_000n })
    assert.deepStrictEqual(parseDecimal("-0"), { num: 0n, den: 1n })
    for (const bad of ["", ".", "-1", "1..2", "seven", "1e"]) assert.isUndefined(parseDecimal(bad), bad)
    assert.deepStrictEqual(decimalOf(0.3), { num: 3n, den: 10n })
    assert.deepStrictEqual(decimalOf(1e-7), { num: 1n, den: 10_000_000n })
  })

  it("know which decimals a number holds exactly", () => {
    assert.isTrue(holdsDecimal("0.3", 0.3))
    assert.isTrue(holdsDecimal("99.9999999999999", Number("99.9999999999999")))
    assert.isFalse(holdsDecimal("6.99999999999999999999", Number("6.99999999999999999999")))
    assert.isFalse(holdsDecimal("0.1000000000000000055511151231257827", 0.1))
  })

  it("hold every pair of up to 1,000 rows exactly on a whole-number threshold, and fail one past it", () => {
    const wrong: Array<string> = []
    let onBoundary = 0
    for (let whole = 1; whole <= 1000; whole++)
      for (let threshold = 0; threshold <= 100; threshold++) {
        if ((threshold * whole) % 100 !== 0) continue
        const part = (threshold * whole) / 100
        onBoundary++
        if (exceedsPct(part, whole, threshold)) wrong.push(`${part} of ${whole} above ${threshold}%`)
        if (part < whole && !exceedsPct(part + 1, whole, threshold))
          wrong.push(`${part + 1} of ${whole} not above ${threshold}%`)
      }
    // 160 of these 6,200 were above their threshold in floating point (7 of 100 at 7 %, 21 of 300 ...).
    assert.strictEqual(onBoundary, 6200)
    assert.deepStrictEqual(wrong, [])
  })

  it("agree with rational arithmetic for any count and any threshold of up to 15 significant digits", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20_000_000 }),
        fc.nat({ max: 20_000_000 }),
        fc.integer({ min: 0, max: 100_000_000 }),
        fc.integer({ min: 0, max: 6 }),
        (whole, rawPart, thresholdDigits, places) => {
          const part = rawPart % (whole + 1)
          const threshold = Math.min(100, thresholdDigits / 10 ** places)
          // Oracle: the threshold's digits over 10^places, without the module's parser.
          const [num, den] = threshold === 100 ? [100n, 1n] : [BigInt(thresholdDigits), 10n ** BigInt(places)]
          assert.strictEqual(exceedsPct(part, whole, threshold), BigInt(part) * 100n * den > num * BigInt(whole))
        },
      ),
      { numRuns: 500 },
    )
  })

  it("put nothing of nothing above any threshold", () => {
    assert.isFalse(exceedsPct(0, 0, 0))
  })
})
