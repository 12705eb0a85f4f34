import {
  CLOSE_ARRAY,
  CLOSE_OBJECT,
  COMMA,
  FALSE_WORD,
  faultAt,
  faultText,
  isDigit,
  JsonScanner,
  MAX_NESTING,
  MINUS,
  NULL_WORD,
  OPEN_ARRAY,
  OPEN_OBJECT,
  QUOTE,
  TRUE_WORD,
} from "./JsonScanner.js"

const json = new JsonScanner()

export class JsonSyntaxError extends Error {}

/**
 * A validating walk over a whole JSON text, on the scanner's readers: where its values start and
 * end, without building them. A problem throws `JsonSyntaxError` naming the byte offset.
 */
export class JsonWalk {
  pos = 0
  /** Whether whitespace was skipped since the element `array` last reported on began. */
  sawSpace = false

  constructor(readonly b: Uint8Array) {}

  fail(what: string): never {
    throw new JsonSyntaxError(`${what} at byte ${this.pos}`)
  }

  /** Moves to `next`, a reader's answer, or fails with the fault it names. */
  private to(next: number): void {
    if (next < 0) {
      this.pos = faultAt(next)
      this.fail(faultText(next))
    }
    this.pos = next
  }

  ws() {
    const next = json.skipSpace(this.b, this.pos, this.b.length)
    if (next !== this.pos) this.sawSpace = true
    this.pos = next
  }

  value(depth: number) {
    const { b, pos } = this
    const c = b[pos]
    if (c === OPEN_OBJECT) return this.object(depth + 1)
    if (c === OPEN_ARRAY) return this.array(depth + 1)
    if (c === QUOTE) return this.to(json.stringEnd(b, pos, b.length))
    if (c === 0x74) return this.to(json.wordEnd(b, pos, b.length, TRUE_WORD))
    if (c === 0x66) return this.to(json.wordEnd(b, pos, b.length, FALSE_WORD))
    if (c === 0x6e) return this.to(json.wordEnd(b, pos, b.length, NULL_WORD))
    if (c === MINUS || (c !== undefined && isDigit(c))) return this.to(json.numberEnd(b, pos, b.length))
    this.fail(c === undefined ? "unexpected end of body" : "unexpected byte")
  }

  /** Steps into an object or array; answers true when it is empty (and steps back out). */
  private enter(depth: number, close: number): boolean {
    if (depth > MAX_NESTING) this.fail("nested too deeply")
    this.pos++
    this.ws()
    if (this.b[this.pos] !== close) return false
    this.pos++
    return true
  }

  /** After a member or an element: true at the closing bracket, else steps over the comma. */
  private closed(close: number): boolean {
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
    const b = this.b
    do {
      if (b[this.pos] !== QUOTE) this.fail("expected a member name")
      const keyStart = this.pos + 1
      this.to(json.stringEnd(b, this.pos, b.length))
      const key =
        member === undefined ? "" : Buffer.from(b.buffer, b.byteOffset + keyStart, this.pos - keyStart - 1).toString()
      const keyEnd = this.pos
      this.to(json.colonEnd(b, keyEnd, b.length))
      if (this.pos !== keyEnd + 1) this.sawSpace = true
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
