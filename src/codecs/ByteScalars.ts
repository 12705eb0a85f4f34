import { parseEventTime } from "../domain/EventTime.js"

/**
 * Numbers and timestamps read straight from the bytes of a line (ASCII), exactly as the exact
 * path reads them from its text: `Number(text)` and `parseEventTime(text)`. Property tests hold
 * each equal to its model.
 */

// Its own constants, not the scanner's: the loops read them at every byte, and an imported
// binding is a module cell read anew at every use.
const SPACE = 0x20
const MINUS = 0x2d
const DOT = 0x2e
const ZERO = 0x30
const isDigit = (c: number) => c >= ZERO && c <= 0x39

const decoder = new TextDecoder()

/** The text of `b[start..end)`, of any length (the fast path reads ASCII only). */
const asciiText = (b: Uint8Array, start: number, end: number): string => decoder.decode(b.subarray(start, end))

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15]

/**
 * The value of a JSON number, equal to `Number(text)`. Up to 15 digits and no exponent, the
 * digits as an integer and the power of ten are both exact doubles, so one division rounds
 * correctly (Clinger's fast path); anything longer goes through `Number`.
 */
export const numberValue = (b: Uint8Array, start: number, end: number): number => {
  const negative = b[start] === MINUS
  let mantissa = 0
  let digits = 0
  let fraction = -1
  for (let i = negative ? start + 1 : start; i < end; i++) {
    const c = b[i] as number
    if (c === DOT) fraction = 0
    else if (isDigit(c)) {
      mantissa = mantissa * 10 + (c - ZERO)
      digits++
      if (fraction >= 0) fraction++
    } else return Number(asciiText(b, start, end))
  }
  if (digits > 15) return Number(asciiText(b, start, end))
  const value = fraction > 0 ? mantissa / (POW10[fraction] as number) : mantissa
  return negative ? -value : value
}

const twoDigits = (b: Uint8Array, i: number): number => {
  const hi = (b[i] as number) - ZERO
  const lo = (b[i + 1] as number) - ZERO
  return hi >= 0 && hi <= 9 && lo >= 0 && lo <= 9 ? hi * 10 + lo : -1
}

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). */
const daysFromCivil = (year: number, month: number, day: number): number => {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/**
 * Epoch microseconds of the timestamp in `b[start..end)`, equal to `parseEventTime` of its
 * text. The dataset's `2019-11-01 00:00:03 UTC` and `2019-11-01T00:00:03Z` are read digit by
 * digit; every other form goes to `parseEventTime` itself.
 */
export const eventTimeMicros = (b: Uint8Array, start: number, end: number): number | undefined => {
  const length = end - start
  const utc =
    length === 23 &&
    b[start + 19] === SPACE &&
    b[start + 20] === 0x55 &&
    b[start + 21] === 0x54 &&
    b[start + 22] === 0x43
  const zulu = length === 20 && b[start + 19] === 0x5a
  const separator = b[start + 10]
  if (
    (utc || zulu) &&
    (separator === SPACE || separator === 0x54) &&
    b[start + 4] === MINUS &&
    b[start + 7] === MINUS &&
    b[start + 13] === 0x3a &&
    b[start + 16] === 0x3a
  ) {
    const century = twoDigits(b, start)
    const yearOfCentury = twoDigits(b, start + 2)
    const year = century * 100 + yearOfCentury
    const month = twoDigits(b, start + 5)
    const day = twoDigits(b, start + 8)
    const hour = twoDigits(b, start + 11)
    const minute = twoDigits(b, start + 14)
    const second = twoDigits(b, start + 17)
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
    if (
      century >= 10 &&
      yearOfCentury >= 0 &&
      month >= 1 &&
      month <= 12 &&
      day >= 1 &&
      day <= (DAYS_IN_MONTH[month - 1] as number) + (month === 2 && leap ? 1 : 0) &&
      hour >= 0 &&
      hour <= 23 &&
      minute >= 0 &&
      minute <= 59 &&
      second >= 0 &&
      second <= 59
    ) {
      return ((daysFromCivil(year, month, day) * 24 + hour) * 3600 + minute * 60 + second) * 1_000_000
    }
  }
  return parseEventTime(asciiText(b, start, end))
}
