import { parseEventTime } from "../domain/EventTime.js"

/**
 * Numbers and timestamps read straight from the bytes of a line (ASCII), exactly as the exact
 * path reads them from its text: `Number(text)`, `amountOfText(text)` and `parseEventTime(text)`.
 * Property tests hold each equal to its model.
 */

// Its own constants, not the scanner's: the loops read them at every byte, and an imported
// binding is a module cell read anew at every use.
const SPACE = 0x20
const PLUS = 0x2b
const MINUS = 0x2d
const COLON = 0x3a
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

/** Minutes east of UTC of `+HH:MM` / `-HH:MM` at `i`, NaN when out of range (as `parseEventTime` has it). */
const offsetMinutes = (b: Uint8Array, i: number): number => {
  const hours = twoDigits(b, i + 1)
  const minutes = twoDigits(b, i + 4)
  if (b[i + 3] !== COLON || hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return Number.NaN
  return (b[i] === MINUS ? -1 : 1) * (hours * 60 + minutes)
}

/**
 * The zone of a timestamp of `length` bytes at `start` whose time of day ends at 19, in minutes
 * east of UTC: ` UTC`, `Z` and `+HH:MM`/`-HH:MM`, the forms producers of this dataset send. NaN
 * for any other (which `parseEventTime` reads, or refuses).
 */
const zoneMinutes = (b: Uint8Array, start: number, length: number): number => {
  const at = start + 19
  if (length === 23)
    return b[at] === SPACE && b[at + 1] === 0x55 && b[at + 2] === 0x54 && b[at + 3] === 0x43 ? 0 : Number.NaN
  if (length === 20) return b[at] === 0x5a ? 0 : Number.NaN
  if (length === 25 && (b[at] === PLUS || b[at] === MINUS)) return offsetMinutes(b, at)
  return Number.NaN
}

/**
 * Epoch microseconds of the timestamp in `b[start..end)`, equal to `parseEventTime` of its
 * text. The dataset's `2019-11-01 00:00:03 UTC`, and ISO-8601's `2019-11-01T00:00:03Z` and
 * `2019-11-01T02:00:03+02:00`, are read digit by digit; every other form goes to
 * `parseEventTime` itself.
 */
export const eventTimeMicros = (b: Uint8Array, start: number, end: number): number | undefined => {
  const zone = zoneMinutes(b, start, end - start)
  const separator = b[start + 10]
  if (
    !Number.isNaN(zone) &&
    (separator === SPACE || separator === 0x54) &&
    b[start + 4] === MINUS &&
    b[start + 7] === MINUS &&
    b[start + 13] === COLON &&
    b[start + 16] === COLON
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
      const seconds = (daysFromCivil(year, month, day) * 24 + hour) * 3600 + minute * 60 + second - zone * 60
      return seconds * 1_000_000
    }
  }
  return parseEventTime(asciiText(b, start, end))
}

/**
 * The value of an amount sent as a string, its text trimmed, equal to `amountOfText` of that
 * text: a decimal number (`12.50`, `+7`, `.5`, `1e3`), NaN for any other text.
 */
export const amountTextValue = (b: Uint8Array, start: number, end: number): number => {
  let i = start
  if (i < end && (b[i] === PLUS || b[i] === MINUS)) i++
  const integer = i
  while (i < end && isDigit(b[i] as number)) i++
  let digits = i - integer
  if (i < end && b[i] === DOT) {
    const fraction = ++i
    while (i < end && isDigit(b[i] as number)) i++
    digits += i - fraction
  }
  if (digits === 0) return Number.NaN
  const plain = i
  if (i < end && (b[i] === 0x65 || b[i] === 0x45)) {
    i++
    if (i < end && (b[i] === PLUS || b[i] === MINUS)) i++
    const exponent = i
    while (i < end && isDigit(b[i] as number)) i++
    if (i === exponent) return Number.NaN
  }
  if (i !== end) return Number.NaN
  return b[start] === PLUS || plain !== end ? Number(asciiText(b, start, end)) : numberValue(b, start, end)
}
