/**
 * Rates held to a percentage threshold without floating point: `part / whole × 100` is compared
 * to the threshold as a decimal fraction `num / den`, by `part × 100 × den` against
 * `num × whole` in BigInt arithmetic. In floating point 7 of 100 is 7.000000000000001 %, above a
 * threshold of 7; here it is exactly 7 and passes.
 */

/** A non-negative decimal as an exact fraction `num / den` (`den` a power of ten). */
export interface Decimal {
  readonly num: bigint
  readonly den: bigint
}

const decimalText = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i

/**
 * The exact value of a decimal written as text (`7`, `12.5`, `.25`, `1e-7`, as `String(n)` may
 * write it); `undefined` for anything else, a negative number included (`-0` is 0).
 */
export const parseDecimal = (text: string): Decimal | undefined => {
  const match = decimalText.exec(text.trim())
  if (match === null) return undefined
  const whole = match[2] ?? ""
  const fraction = match[3] ?? ""
  if (whole.length + fraction.length === 0) return undefined
  const exponent = Number(match[4] ?? "0") - fraction.length
  const digits = BigInt(whole + fraction)
  if (match[1] === "-" && digits !== 0n) return undefined
  return exponent >= 0
    ? { num: digits * 10n ** BigInt(exponent), den: 1n }
    : { num: digits, den: 10n ** BigInt(-exponent) }
}

/**
 * The decimal a finite non-negative number stands for: its shortest round-trip text, so the
 * number parsed from `12.5` or `0.3` is exactly 12.5 or 0.3 here (not the binary value nearest
 * it). Exact for every decimal of up to 15 significant digits, the ones settings accept
 * (`holdsDecimal`).
 */
export const decimalOf = (value: number): Decimal => {
  const decimal = Number.isFinite(value) && value >= 0 ? parseDecimal(String(value)) : undefined
  if (decimal === undefined) throw new RangeError(`not a finite non-negative number: ${value}`)
  return decimal
}

const sameValue = (a: Decimal, b: Decimal) => a.num * b.den === b.num * a.den

/**
 * Whether `value` (parsed from `text`) stands for exactly the decimal written in `text`: true for
 * any decimal of up to 15 significant digits, false where the number had to round it.
 */
export const holdsDecimal = (text: string, value: number): boolean => {
  const written = parseDecimal(text)
  return written !== undefined && Number.isFinite(value) && value >= 0 && sameValue(written, decimalOf(value))
}

/**
 * Whether `part` of `whole` is more than `thresholdPct` percent, compared exactly. Nothing of
 * nothing is 0 %, above no threshold. `part` and `whole` are counts (non-negative integers).
 */
export const exceedsPct = (part: number, whole: number, thresholdPct: number): boolean => {
  if (whole === 0) return false
  const threshold = decimalOf(thresholdPct)
  return BigInt(part) * 100n * threshold.den > threshold.num * BigInt(whole)
}

/** `part / whole × 100` for display and metrics (a float); 0 for nothing of nothing. */
export const ratePct = (part: number, whole: number): number => (whole === 0 ? 0 : (part / whole) * 100)
