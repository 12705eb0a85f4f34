export const QUOTE = 0x22
const BACKSLASH = 0x5c
export const COMMA = 0x2c
const COLON = 0x3a
export const MINUS = 0x2d
const DOT = 0x2e
const ZERO = 0x30
export const SPACE = 0x20
export const NEWLINE = 0x0a
export const OPEN_ARRAY = 0x5b
export const CLOSE_ARRAY = 0x5d
export const OPEN_OBJECT = 0x7b
export const CLOSE_OBJECT = 0x7d

/** As deep as arrays and objects may nest: a page and a line alike (parsers recurse; stacks do not grow). */
export const MAX_NESTING = 256

const word = (text: string) => new TextEncoder().encode(text)
export const TRUE_WORD = word("true")
export const FALSE_WORD = word("false")
export const NULL_WORD = word("null")

// The loops over bytes look bytes up in tables of this module's own: an exported binding is a
// module cell, read anew at every use.
const table = (member: (c: number) => boolean) => Uint8Array.from({ length: 256 }, (_, c) => (member(c) ? 1 : 0))
const DIGITS = table((c) => c >= ZERO && c <= 0x39)
const SPACES = table((c) => c === SPACE || c === NEWLINE || c === 0x0d || c === 0x09)
const HEX = table((c) => DIGITS[c] === 1 || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66))
/** The letters a backslash may escape, `u` aside (it takes four hex digits). */
const ESCAPES = table((c) => [QUOTE, BACKSLASH, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74].includes(c))
/** Bytes that end the plain run inside a string: the closing quote, a backslash, a control character. */
const TEXT_STOPS = table((c) => c < SPACE || c === QUOTE || c === BACKSLASH)
/** The same, and any byte of a multi-byte character: a plain string is ASCII without escapes. */
const PLAIN_STOPS = table((c) => TEXT_STOPS[c] === 1 || c >= 0x80)
const OPENS_STRING = 2
/** What a byte does to the depth of nesting: 1 opens, -1 closes, and a quote opens a string. */
const NESTING = Int8Array.from({ length: 256 }, (_, c) => {
  if (c === OPEN_OBJECT || c === OPEN_ARRAY) return 1
  if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) return -1
  return c === QUOTE ? OPENS_STRING : 0
})

const FAULTS = [
  "unterminated string",
  "control character in a string",
  "bad \\u escape",
  "bad escape",
  "expected a digit",
  "unexpected token",
  "expected ':'",
] as const
const [UNTERMINATED, CONTROL, BAD_UNICODE, BAD_ESCAPE, DIGIT, TOKEN, COLON_MISSING] = [0, 1, 2, 3, 4, 5, 6] as const

const fault = (at: number, what: number): number => -1 - (at * FAULTS.length + what)
/** Where the grammar broke, for a reader's negative answer. */
export const faultAt = (answer: number): number => Math.floor((-1 - answer) / FAULTS.length)
/** What broke it, in words. */
export const faultText = (answer: number): string => FAULTS[(-1 - answer) % FAULTS.length] as string

const digitsEnd = (b: Uint8Array, i: number, end: number): number => {
  if (i >= end || DIGITS[b[i] as number] === 0) return fault(i, DIGIT)
  while (i < end && DIGITS[b[i] as number] === 1) i++
  return i
}

export const isDigit = (c: number) => DIGITS[c] === 1

/**
 * The JSON byte scanner: JSON text read as UTF-8 bytes by index, without building values.
 * Structural characters are ASCII and never occur inside a multi-byte UTF-8 sequence, so the
 * bytes are walked directly. Each reader takes `(b, i, end)` with `i` at what it reads and
 * answers the index just after it, or a negative fault naming the byte where the grammar broke
 * and what broke it (`faultAt`, `faultText`). Nothing is allocated: the transform's hot loop
 * reads every line through it, and the extract every page.
 *
 * Hold one in a module-level `const`: its methods are then called directly, where an imported
 * function is a module cell read anew at every call (a few percent of the transform's hot loop).
 */
export class JsonScanner {
  skipSpace(b: Uint8Array, i: number, end: number): number {
    while (i < end && SPACES[b[i] as number] === 1) i++
    return i
  }

  /** After a member name: past the `:` and the whitespace around it, at the member's value. */
  colonEnd(b: Uint8Array, i: number, end: number): number {
    i = this.skipSpace(b, i, end)
    if (i >= end || b[i] !== COLON) return fault(i, COLON_MISSING)
    return this.skipSpace(b, i + 1, end)
  }

  /** A string opening at `i`: escapes checked, raw control characters refused. */
  stringEnd(b: Uint8Array, i: number, end: number): number {
    i++
    for (;;) {
      while (i < end && TEXT_STOPS[b[i] as number] === 0) i++
      if (i >= end) return fault(i, UNTERMINATED)
      const c = b[i] as number
      if (c === QUOTE) return i + 1
      if (c !== BACKSLASH) return fault(i, CONTROL)
      const escaped = i + 1 < end ? (b[i + 1] as number) : 0
      if (escaped === 0x75) {
        for (let h = i + 2; h < i + 6; h++) if (h >= end || HEX[b[h] as number] === 0) return fault(i + 2, BAD_UNICODE)
        i += 6
      } else if (ESCAPES[escaped] === 1) {
        i += 2
      } else {
        return fault(i + 1, BAD_ESCAPE)
      }
    }
  }

  /**
   * A string opening at `i` whose text is plain: ASCII, no escapes, no control characters, so
   * its bytes are its text. Answers -1 for any other string, valid or not.
   */
  plainStringEnd(b: Uint8Array, i: number, end: number): number {
    i++
    while (i < end && PLAIN_STOPS[b[i] as number] === 0) i++
    return i < end && b[i] === QUOTE ? i + 1 : -1
  }

  /** A number starting at `i` (RFC 8259 grammar: no leading zeros, no bare `.` or exponent). */
  numberEnd(b: Uint8Array, i: number, end: number): number {
    if (b[i] === MINUS) i++
    i = i < end && b[i] === ZERO ? i + 1 : digitsEnd(b, i, end)
    if (i >= 0 && i < end && b[i] === DOT) i = digitsEnd(b, i + 1, end)
    if (i >= 0 && i < end && (b[i] === 0x65 || b[i] === 0x45)) {
      i++
      if (i < end && (b[i] === 0x2b || b[i] === MINUS)) i++
      i = digitsEnd(b, i, end)
    }
    return i
  }

  /** `true`, `false` or `null` (the `word`) at `i`. */
  wordEnd(b: Uint8Array, i: number, end: number, word: Uint8Array): number {
    if (i + word.length > end) return fault(i, TOKEN)
    for (let k = 0; k < word.length; k++) if (b[i + k] !== word[k]) return fault(i, TOKEN)
    return i + word.length
  }

  /**
   * Whether arrays and objects in `b[start..end)` nest deeper than `max`, brackets inside strings
   * aside. Strings end where a reader would end them (a backslash escapes the next byte), valid
   * or not: this is a check made before parsing, so a line too deep is told so whatever else is
   * wrong with it.
   */
  nestsDeeperThan(b: Uint8Array, start: number, end: number, max: number): boolean {
    let depth = 0
    for (let i = start; i < end; i++) {
      const step = NESTING[b[i] as number] as number
      if (step === OPENS_STRING) {
        for (i++; i < end && b[i] !== QUOTE; i++) if (b[i] === BACKSLASH) i++
      } else {
        depth += step
        if (depth > max) return true
      }
    }
    return false
  }

  /**
   * Moves the bytes of a value already scanned, `b[start..end)`, to `at` (never after `start`),
   * dropping the whitespace outside its strings so that it fits on one line; answers where it
   * ends.
   */
  compact(b: Uint8Array, start: number, end: number, at: number): number {
    for (let i = start; i < end; ) {
      const c = b[i] as number
      if (c === QUOTE) {
        const next = this.stringEnd(b, i, end)
        const stop = next < 0 ? end : next
        while (i < stop) b[at++] = b[i++] as number
      } else {
        if (SPACES[c] === 0) b[at++] = c
        i++
      }
    }
    return at
  }
}
