/**
 * Finds the records of an events API response body and copies each one's bytes out as an NDJSON
 * line, without parsing the records into JavaScript values: ids and numbers stay byte-exact (a
 * 19-digit `category_id` does not survive `JSON.parse`), and copying is much cheaper than
 * building objects. The whole body is still checked to be valid JSON.
 *
 * The records are the body itself when it is an array, or the array under `data`, `events`,
 * `results` or `items`. A total record count is read from `meta`/`metadata`/`pagination`
 * (`total`, `total_count`, `totalCount`) or from the same keys at the top level.
 */
export interface ScannedBody {
  readonly records: number
  readonly ndjson: Uint8Array
  readonly total: number | undefined
}

export const ENVELOPE_KEYS: ReadonlyArray<string> = ["data", "events", "results", "items"]
const META_KEYS: ReadonlyArray<string> = ["meta", "metadata", "pagination"]
const TOTAL_KEYS: ReadonlyArray<string> = ["total", "total_count", "totalCount"]
const MAX_DEPTH = 256

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const COLON = 0x3a
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d
const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d
const NEWLINE = 0x0a

const isSpace = (c: number) => c === 0x20 || c === NEWLINE || c === 0x0d || c === 0x09
const isDigit = (c: number) => c >= 0x30 && c <= 0x39
const isHex = (c: number) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
const ESCAPES = new Set([QUOTE, BACKSLASH, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74])
/** Bytes that end the plain run inside a string: the closing quote, a backslash, a control character. */
const STRING_STOPS = new Uint8Array(256).map((_, c) => (c < 0x20 || c === QUOTE || c === BACKSLASH ? 1 : 0))

class ScanError extends Error {}

const asTotal = (value: unknown): number | undefined => {
  const n = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value
  return typeof n === "number" && Number.isSafeInteger(n) && n >= 0 ? n : undefined
}

const totalIn = (value: unknown): number | undefined => {
  if (typeof value !== "object" || value === null) return undefined
  for (const key of TOTAL_KEYS) {
    const total = asTotal((value as Record<string, unknown>)[key])
    if (total !== undefined) return total
  }
  return undefined
}

class Scanner {
  pos = 0
  /** Whether whitespace was skipped since the last reset: the record needs compacting. */
  sawSpace = false
  /** [start, end, needsCompacting, ...] of each record. */
  readonly spans: Array<number> = []
  total: number | undefined = undefined
  found = false

  constructor(readonly b: Uint8Array) {}

  fail(what: string): never {
    throw new ScanError(`${what} at byte ${this.pos}`)
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

  /** Walks an array; with `keep`, each element's span is recorded as a record. */
  array(depth: number, keep = false) {
    if (this.enter(depth, CLOSE_ARRAY)) return
    do {
      const start = this.pos
      if (keep) this.sawSpace = false
      this.value(depth)
      if (keep) this.spans.push(start, this.pos, this.sawSpace ? 1 : 0)
    } while (!this.closed(CLOSE_ARRAY))
  }

  /** The JSON value at the cursor, parsed: only for small metadata. */
  parsed(): unknown {
    const start = this.pos
    this.value(0)
    return JSON.parse(Buffer.from(this.b.buffer, this.b.byteOffset + start, this.pos - start).toString())
  }

  envelope() {
    this.object(0, (key) => {
      const c = this.b[this.pos]
      if (!this.found && c === OPEN_ARRAY && ENVELOPE_KEYS.includes(key)) {
        this.found = true
        this.array(0, true)
        return true
      }
      if (META_KEYS.includes(key) && c === OPEN_OBJECT) {
        this.total ??= totalIn(this.parsed())
        return true
      }
      if (TOTAL_KEYS.includes(key) && c !== OPEN_OBJECT && c !== OPEN_ARRAY) {
        this.total ??= asTotal(this.parsed())
        return true
      }
      return false
    })
  }
}

/** Copies a record's bytes, dropping whitespace outside strings so it fits on one line. */
const compact = (b: Uint8Array, start: number, end: number, out: Uint8Array, at: number): number => {
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

/**
 * The records of a response body as NDJSON, or what makes the body unusable. The NDJSON is
 * written over the body itself (no second copy of a page): the body is consumed.
 */
export const scanEventsBody = (body: Uint8Array): ScannedBody | { readonly problem: string } => {
  const scanner = new Scanner(body)
  try {
    // A UTF-8 byte order mark is allowed before the JSON text.
    if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) scanner.pos = 3
    scanner.ws()
    const first = body[scanner.pos]
    if (first === OPEN_ARRAY) {
      scanner.found = true
      scanner.array(0, true)
    } else if (first === OPEN_OBJECT) {
      scanner.envelope()
    } else {
      scanner.fail("expected a JSON array or object")
    }
    scanner.ws()
    if (scanner.pos !== body.length) scanner.fail("unexpected data after the JSON value")
  } catch (error) {
    if (error instanceof ScanError) return { problem: `the body is not valid JSON: ${error.message}` }
    throw error
  }
  if (!scanner.found) {
    return { problem: `the body holds no records array (a JSON array, or one under ${ENVELOPE_KEYS.join(", ")})` }
  }
  // Records are moved forward within the body, never past bytes still to be read: each one
  // gives up at least the comma or bracket after it for its newline.
  const spans = scanner.spans
  let at = 0
  for (let i = 0; i < spans.length; i += 3) {
    const start = spans[i] as number
    const end = spans[i + 1] as number
    if (spans[i + 2] === 1) {
      at = compact(body, start, end, body, at)
    } else {
      body.copyWithin(at, start, end)
      at += end - start
    }
    body[at++] = NEWLINE
  }
  return { records: spans.length / 3, ndjson: body.subarray(0, at), total: scanner.total }
}
