/**
 * A validating walk over JSON text as UTF-8 bytes, for finding where values start and end
 * without building them. Structural characters are ASCII and never occur inside a multi-byte
 * UTF-8 sequence, so bytes can be walked directly; strings are checked for escapes and control
 * characters, numbers and literals for their grammar. A problem throws `JsonBytesError` naming
 * the byte offset.
 */
const MAX_DEPTH = 256

export const QUOTE = 0x22
export const BACKSLASH = 0x5c
const COMMA = 0x2c
const COLON = 0x3a
export const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d
export const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d
export const NEWLINE = 0x0a

const isSpace = (c: number) => c === 0x20 || c === NEWLINE || c === 0x0d || c === 0x09
const isDigit = (c: number) => c >= 0x30 && c <= 0x39
const isHex = (c: number) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
const ESCAPES = new Set([QUOTE, BACKSLASH, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74])
/** Bytes that end the plain run inside a string: the closing quote, a backslash, a control character. */
const STRING_STOPS = new Uint8Array(256).map((_, c) => (c < 0x20 || c === QUOTE || c === BACKSLASH ? 1 : 0))

export class JsonBytesError extends Error {}

export class JsonBytes {
  pos = 0
  /** Whether whitespace was skipped since the element `array` last reported on began. */
  sawSpace = false

  constructor(readonly b: Uint8Array) {}

  fail(what: string): never {
    throw new JsonBytesError(`${what} at byte ${this.pos}`)
  }

  ws() {
    const b = this.b
    let pos = this.pos
    while (pos < b.length && isSpace(b[pos] as number)) pos++
    if (pos !== this.pos) this.sawSpace = true
    this.pos = pos
  }

  expect(c: number, what: string) {
    if (this.b[this.pos] !== c) this.fail(`expected ${what}`)
    this.pos++
  }

  string() {
    const b = this.b
    const end = b.length
    let pos = this.pos + 1
    for (;;) {
      while (pos < end && STRING_STOPS[b[pos] as number] === 0) pos++
      if (pos >= end) {
        this.pos = pos
        this.fail("unterminated string")
      }
      const c = b[pos++] as number
      if (c === QUOTE) break
      if (c !== BACKSLASH) {
        this.pos = pos - 1
        this.fail("control character in a string")
      }
      const e = b[pos++] ?? 0
      if (e === 0x75) {
        if (!(isHex(b[pos] ?? 0) && isHex(b[pos + 1] ?? 0) && isHex(b[pos + 2] ?? 0) && isHex(b[pos + 3] ?? 0))) {
          this.pos = pos
          this.fail("bad \\u escape")
        }
        pos += 4
      } else if (!ESCAPES.has(e)) {
        this.pos = pos - 1
        this.fail("bad escape")
      }
    }
    this.pos = pos
  }

  digits() {
    const b = this.b
    const end = b.length
    const start = this.pos
    let pos = start
    while (pos < end && isDigit(b[pos] as number)) pos++
    if (pos === start) this.fail("expected a digit")
    this.pos = pos
  }

  number() {
    const b = this.b
    if (b[this.pos] === 0x2d) this.pos++
    if (b[this.pos] === 0x30) this.pos++
    else this.digits()
    if (b[this.pos] === 0x2e) {
      this.pos++
      this.digits()
    }
    if (b[this.pos] === 0x65 || b[this.pos] === 0x45) {
      this.pos++
      if (b[this.pos] === 0x2b || b[this.pos] === 0x2d) this.pos++
      this.digits()
    }
  }

  literal(text: string) {
    for (let i = 0; i < text.length; i++) {
      if (this.b[this.pos + i] !== text.charCodeAt(i)) this.fail("unexpected token")
    }
    this.pos += text.length
  }

  value(depth: number) {
    const c = this.b[this.pos]
    if (c === OPEN_OBJECT) return this.object(depth + 1)
    if (c === OPEN_ARRAY) return this.array(depth + 1)
    if (c === QUOTE) return this.string()
    if (c === 0x74) return this.literal("true")
    if (c === 0x66) return this.literal("false")
    if (c === 0x6e) return this.literal("null")
    if (c === 0x2d || (c !== undefined && isDigit(c))) return this.number()
    this.fail(c === undefined ? "unexpected end of body" : "unexpected byte")
  }

  /** Steps into an object or array; answers true when it is empty (and steps back out). */
  enter(depth: number, close: number): boolean {
    if (depth > MAX_DEPTH) this.fail("nested too deeply")
    this.pos++
    this.ws()
    if (this.b[this.pos] !== close) return false
    this.pos++
    return true
  }

  /** After a member or an element: true at the closing bracket, else steps over the comma. */
  closed(close: number): boolean {
    this.ws()
    const c = this.b[this.pos++]
    if (c === close) return true
    if (c !== COMMA) {
      this.pos--
      this.fail(`expected ',' or '${String.fromCharCode(close)}'`)
    }
    this.ws()
    return false
  }

  /** Walks an object; `member` may consume a member's value itself (and answers true when it did). */
  object(depth: number, member?: (key: string) => boolean) {
    if (this.enter(depth, CLOSE_OBJECT)) return
    do {
      if (this.b[this.pos] !== QUOTE) this.fail("expected a member name")
      const keyStart = this.pos + 1
      this.string()
      const key =
        member === undefined
          ? ""
          : Buffer.from(this.b.buffer, this.b.byteOffset + keyStart, this.pos - keyStart - 1).toString()
      this.ws()
      this.expect(COLON, "':'")
      this.ws()
      if (member === undefined || !member(key)) this.value(depth)
    } while (!this.closed(CLOSE_OBJECT))
  }

  /** Walks an array; `element` hears where each element starts and ends, and whether it holds whitespace. */
  array(depth: number, element?: (start: number, end: number, spaced: boolean) => void) {
    if (this.enter(depth, CLOSE_ARRAY)) return
    do {
      const start = this.pos
      // Only a listened-to element starts afresh: a nested array must not forget its parent's spaces.
      if (element !== undefined) this.sawSpace = false
      this.value(depth)
      element?.(start, this.pos, this.sawSpace)
    } while (!this.closed(CLOSE_ARRAY))
  }

  /** The JSON value at the cursor, parsed: only for small metadata. */
  parsed(): unknown {
    const start = this.pos
    this.value(0)
    return JSON.parse(Buffer.from(this.b.buffer, this.b.byteOffset + start, this.pos - start).toString())
  }
}

/** Copies a record's bytes, dropping whitespace outside strings so it fits on one line. */
export const compact = (b: Uint8Array, start: number, end: number, out: Uint8Array, at: number): number => {
  let inString = false
  for (let i = start; i < end; i++) {
    const c = b[i] as number
    if (inString) {
      if (c === BACKSLASH) {
        out[at++] = c
        out[at++] = b[++i] as number
        continue
      }
      if (c === QUOTE) inString = false
    } else if (isSpace(c)) {
      continue
    } else if (c === QUOTE) {
      inString = true
    }
    out[at++] = c
  }
  return at
}
