import { DOT, eventTimeMicros, isDigit, MINUS, numberValue, SPACE, ZERO } from "../../codecs/ByteScalars.js"
import type { EventColumns } from "../../codecs/parquet/EventColumns.js"
import { EVENT_COLUMNS } from "../../domain/OutputRows.js"

/**
 * The fast path of validation: decodes one line of `raw.ndjson`, read as bytes, straight into the
 * row group's columns — no JSON tree, no Schema run — for the common case only: a flat object of
 * the nine known fields, ASCII text without escapes, every field valid, the event inside the
 * week. Anything else answers `false` having written nothing, and the line takes the exact path
 * (lossless JSON + the `EventRecord` Schema), which also words the errors. What this path
 * accepts it decodes exactly as that path would: a property test holds the two together.
 */

/** The record's own fields: `events.parquet`'s columns before the three the run adds. */
const FIELDS = EVENT_COLUMNS.slice(0, 9)
const [EVENT_TIME, EVENT_TYPE, PRODUCT_ID, CATEGORY_ID, CATEGORY_CODE, BRAND, PRICE, USER_ID, USER_SESSION] = [
  0, 1, 2, 3, 4, 5, 6, 7, 8,
] as const
const KEYS = FIELDS.map((name) => new TextEncoder().encode(name))

const ABSENT = 0
const STRING = 1
const NUMBER = 2
const NULL = 3

// One line at a time, on one thread: scratch space shared by every call.
const kinds = new Uint8Array(FIELDS.length)
const starts = new Int32Array(FIELDS.length)
const ends = new Int32Array(FIELDS.length)

const QUOTE = 0x22
const BACKSLASH = 0x5c

const isWhitespace = (c: number) => c === SPACE || c === 0x09 || c === 0x0a || c === 0x0d

const skipWhitespace = (b: Uint8Array, i: number, end: number): number => {
  while (i < end && isWhitespace(b[i] as number)) i++
  return i
}

/** Index of the closing quote of a string whose text starts at `i`; -1 if it is not plain ASCII. */
const stringEnd = (b: Uint8Array, i: number, end: number): number => {
  while (i < end && STRING_STOPS[b[i] as number] === 0) i++
  return i < end && b[i] === QUOTE ? i : -1
}

/** 1 for the bytes that end a plain ASCII string: its quote, or what the fast path leaves alone. */
const STRING_STOPS = Uint8Array.from({ length: 256 }, (_, c) =>
  c === QUOTE || c === BACKSLASH || c < SPACE || c >= 0x80 ? 1 : 0,
)

const digitsEnd = (b: Uint8Array, i: number, end: number): number => {
  while (i < end && isDigit(b[i] as number)) i++
  return i
}

/** End of a JSON number starting at `i` (RFC 8259 grammar), or -1. */
const numberEnd = (b: Uint8Array, i: number, end: number): number => {
  if (b[i] === MINUS) i++
  if (i >= end) return -1
  if (b[i] === ZERO) i++
  else if (isDigit(b[i] as number)) i = digitsEnd(b, i + 1, end)
  else return -1
  if (i < end && b[i] === DOT) {
    if (i + 1 >= end || !isDigit(b[i + 1] as number)) return -1
    i = digitsEnd(b, i + 1, end)
  }
  if (i < end && (b[i] === 0x65 || b[i] === 0x45)) {
    i++
    if (i < end && (b[i] === 0x2b || b[i] === MINUS)) i++
    if (i >= end || !isDigit(b[i] as number)) return -1
    i = digitsEnd(b, i, end)
  }
  return i
}

const sameBytes = (b: Uint8Array, start: number, end: number, key: Uint8Array): boolean => {
  if (end - start !== key.length) return false
  for (let i = 0; i < key.length; i++) if (b[start + i] !== key[i]) return false
  return true
}

/** Which field a key names, trying the one after `previous` first (the API keeps its order); -1 if none. */
const fieldOf = (b: Uint8Array, start: number, end: number, previous: number): number => {
  const guess = previous + 1
  if (guess < KEYS.length && sameBytes(b, start, end, KEYS[guess] as Uint8Array)) return guess
  for (let k = 0; k < KEYS.length; k++) if (sameBytes(b, start, end, KEYS[k] as Uint8Array)) return k
  return -1
}

/** Narrows `starts[k]..ends[k]` past leading and trailing spaces (the only whitespace a plain JSON string holds). */
const trim = (b: Uint8Array, k: number): void => {
  let s = starts[k] as number
  let e = ends[k] as number
  while (s < e && b[s] === SPACE) s++
  while (e > s && b[e - 1] === SPACE) e--
  starts[k] = s
  ends[k] = e
}

const isEmpty = (k: number) => starts[k] === ends[k]

/** An optional id: text or a number's digits; null when absent, null or blank. Never a problem. */
const optionalId = (b: Uint8Array, k: number): void => {
  if (kinds[k] === STRING) {
    trim(b, k)
    if (isEmpty(k)) kinds[k] = NULL
  }
}

/** Optional text: null when absent, null or blank; `false` for a number. */
const optionalText = (b: Uint8Array, k: number): boolean => {
  if (kinds[k] === NUMBER) return false
  optionalId(b, k)
  return true
}

const pushText = (b: Uint8Array, k: number, column: EventColumns["brand"]): void => {
  if (kinds[k] === STRING || kinds[k] === NUMBER) column.pushBytes(b, starts[k] as number, ends[k] as number)
  else column.pushNull()
}

/**
 * Decodes `b[start..end)` into the next row of `out` when it is a valid record of the common
 * shape with its event in `[fromMicros, toMicros)`; otherwise answers `false` and writes nothing.
 */
export const decodeFast = (
  b: Uint8Array,
  start: number,
  end: number,
  out: EventColumns,
  fromMicros: number,
  toMicros: number,
): boolean => {
  kinds.fill(ABSENT)
  let i = skipWhitespace(b, start, end)
  if (b[i] !== 0x7b || i >= end) return false
  i = skipWhitespace(b, i + 1, end)
  let previous = -1
  for (;;) {
    if (i >= end || b[i] !== QUOTE) return false
    const keyEnd = stringEnd(b, i + 1, end)
    if (keyEnd < 0) return false
    const k = fieldOf(b, i + 1, keyEnd, previous)
    if (k < 0 || kinds[k] !== ABSENT) return false
    previous = k
    i = skipWhitespace(b, keyEnd + 1, end)
    if (i >= end || b[i] !== 0x3a) return false
    i = skipWhitespace(b, i + 1, end)
    if (i >= end) return false
    const c = b[i] as number
    if (c === QUOTE) {
      const valueEnd = stringEnd(b, i + 1, end)
      if (valueEnd < 0) return false
      kinds[k] = STRING
      starts[k] = i + 1
      ends[k] = valueEnd
      i = valueEnd + 1
    } else if (c === MINUS || isDigit(c)) {
      const valueEnd = numberEnd(b, i, end)
      if (valueEnd < 0) return false
      kinds[k] = NUMBER
      starts[k] = i
      ends[k] = valueEnd
      i = valueEnd
    } else if (c === 0x6e && i + 4 <= end && b[i + 1] === 0x75 && b[i + 2] === 0x6c && b[i + 3] === 0x6c) {
      kinds[k] = NULL
      i += 4
    } else return false
    i = skipWhitespace(b, i, end)
    if (i < end && b[i] === 0x2c) {
      i = skipWhitespace(b, i + 1, end)
      continue
    }
    if (i < end && b[i] === 0x7d) break
    return false
  }
  if (skipWhitespace(b, i + 1, end) !== end) return false

  if (kinds[EVENT_TIME] !== STRING) return false
  const eventTime = eventTimeMicros(b, starts[EVENT_TIME] as number, ends[EVENT_TIME] as number)
  if (eventTime === undefined || eventTime < fromMicros || eventTime >= toMicros) return false
  if (kinds[EVENT_TYPE] !== STRING) return false
  trim(b, EVENT_TYPE)
  if (isEmpty(EVENT_TYPE)) return false
  if (kinds[USER_ID] === STRING) {
    trim(b, USER_ID)
    if (isEmpty(USER_ID)) return false
  } else if (kinds[USER_ID] !== NUMBER) return false
  optionalId(b, PRODUCT_ID)
  optionalId(b, CATEGORY_ID)
  if (!optionalText(b, CATEGORY_CODE) || !optionalText(b, BRAND) || !optionalText(b, USER_SESSION)) return false
  let price: number | null = null
  if (kinds[PRICE] === NUMBER) {
    price = numberValue(b, starts[PRICE] as number, ends[PRICE] as number)
    if (!Number.isFinite(price) || price < 0) return false
  } else if (kinds[PRICE] === STRING) return false

  out.pushNumbers(eventTime, price)
  out.eventType.pushLowerAscii(b, starts[EVENT_TYPE] as number, ends[EVENT_TYPE] as number)
  pushText(b, PRODUCT_ID, out.productId)
  pushText(b, CATEGORY_ID, out.categoryId)
  pushText(b, CATEGORY_CODE, out.categoryCode)
  pushText(b, BRAND, out.brand)
  pushText(b, USER_ID, out.userId)
  pushText(b, USER_SESSION, out.userSession)
  out.commit()
  return true
}
