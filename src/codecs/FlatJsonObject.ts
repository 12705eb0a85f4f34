import { ABSENT, NULL, NUMBER, STRING } from "../domain/EventFields.js"
import {
  CLOSE_ARRAY,
  CLOSE_OBJECT,
  COMMA,
  FALSE_WORD,
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

/** Member names an object may hold besides the known keys (each level apart), and in all. */
const MAX_OTHER_NAMES = 64

/**
 * Reads one JSON object of known keys, allocation-free: for each key, the kind of its value
 * (`ValueKind`) and where its bytes are (a string's text between its quotes, a number as
 * written). A known key's value is read when it is a plain string (see `plainStringEnd`), a
 * number or null; any other member is stepped over, its value checked as JSON and no deeper than
 * `MAX_NESTING` with the object. Anything the reader cannot vouch for answers `false`: a known
 * key with any other value or given twice, a member name that is not plain or comes twice in one
 * object (a parser would keep one of two values, or refuse the object), broken JSON, more than
 * `MAX_OTHER_NAMES` other names. One object at a time: the slots are reused by every `read`.
 */
export class FlatJsonObject {
  readonly kinds: Uint8Array
  readonly starts: Int32Array
  readonly ends: Int32Array
  private readonly keys: ReadonlyArray<Uint8Array>
  /** The names of the other members met so far, `[start, end)`, innermost object last. */
  private readonly nameStarts = new Int32Array(MAX_OTHER_NAMES)
  private readonly nameEnds = new Int32Array(MAX_OTHER_NAMES)
  private names = 0

  constructor(keys: ReadonlyArray<string>) {
    const encoder = new TextEncoder()
    this.keys = keys.map((key) => encoder.encode(key))
    this.kinds = new Uint8Array(keys.length)
    this.starts = new Int32Array(keys.length)
    this.ends = new Int32Array(keys.length)
  }

  /** Slots the members of the object in `b[start..end)`, or answers false. */
  read(b: Uint8Array, start: number, end: number): boolean {
    const kinds = this.kinds
    // A loop, not `fill`: a few bytes cost less than a call into the runtime (3% of the hot loop).
    for (let k = 0; k < kinds.length; k++) kinds[k] = ABSENT
    this.names = 0
    let i = json.skipSpace(b, start, end)
    if (i >= end || b[i] !== OPEN_OBJECT) return false
    i = json.skipSpace(b, i + 1, end)
    let previous = -1
    for (;;) {
      if (i >= end || b[i] !== QUOTE) return false
      const keyEnd = json.plainStringEnd(b, i, end)
      if (keyEnd < 0) return false
      const k = this.slotOf(b, i + 1, keyEnd - 1, previous)
      const valueStart = json.colonEnd(b, keyEnd, end)
      if (valueStart < 0 || valueStart >= end) return false
      let valueEnd: number
      if (k < 0) {
        if (!this.newName(b, i + 1, keyEnd - 1, 0)) return false
        valueEnd = this.valueEnd(b, valueStart, end, MAX_NESTING - 1)
      } else {
        if (kinds[k] !== ABSENT) return false
        previous = k
        valueEnd = this.slot(b, valueStart, end, k)
      }
      if (valueEnd < 0) return false
      i = json.skipSpace(b, valueEnd, end)
      if (i < end && b[i] === COMMA) {
        i = json.skipSpace(b, i + 1, end)
        continue
      }
      if (i < end && b[i] === CLOSE_OBJECT) break
      return false
    }
    return json.skipSpace(b, i + 1, end) === end
  }

  /** Reads a known key's value at `i` into slot `k`, answering where it ends (negative: not one it takes). */
  private slot(b: Uint8Array, i: number, end: number, k: number): number {
    const { kinds, starts, ends } = this
    const c = b[i] as number
    if (c === QUOTE) {
      const valueEnd = json.plainStringEnd(b, i, end)
      kinds[k] = STRING
      starts[k] = i + 1
      ends[k] = valueEnd - 1
      return valueEnd
    }
    if (c === MINUS || isDigit(c)) {
      const valueEnd = json.numberEnd(b, i, end)
      kinds[k] = NUMBER
      starts[k] = i
      ends[k] = valueEnd
      return valueEnd
    }
    kinds[k] = NULL
    return json.wordEnd(b, i, end, NULL_WORD)
  }

  /**
   * Notes a member name `b[start..end)` of an object whose names begin at `from`; false when the
   * object has it already or there are too many to keep.
   */
  private newName(b: Uint8Array, start: number, end: number, from: number): boolean {
    const { nameStarts, nameEnds } = this
    for (let n = from; n < this.names; n++) {
      const s = nameStarts[n] as number
      if ((nameEnds[n] as number) - s === end - start && sameRange(b, s, start, end - start)) return false
    }
    if (this.names === MAX_OTHER_NAMES) return false
    nameStarts[this.names] = start
    nameEnds[this.names] = end
    this.names++
    return true
  }

  /** Any JSON value at `i`, nested at most `depth` levels more; answers its end, negative when it is not one. */
  private valueEnd(b: Uint8Array, i: number, end: number, depth: number): number {
    const c = b[i]
    if (c === QUOTE) return json.stringEnd(b, i, end)
    if (c === MINUS || (c !== undefined && isDigit(c))) return json.numberEnd(b, i, end)
    if (c === 0x74) return json.wordEnd(b, i, end, TRUE_WORD)
    if (c === 0x66) return json.wordEnd(b, i, end, FALSE_WORD)
    if (c === 0x6e) return json.wordEnd(b, i, end, NULL_WORD)
    if ((c !== OPEN_OBJECT && c !== OPEN_ARRAY) || depth === 0) return -1
    const object = c === OPEN_OBJECT
    const close = object ? CLOSE_OBJECT : CLOSE_ARRAY
    const from = this.names
    i = json.skipSpace(b, i + 1, end)
    if (i < end && b[i] === close) return i + 1
    for (;;) {
      if (object) {
        if (i >= end || b[i] !== QUOTE) return -1
        const nameEnd = json.plainStringEnd(b, i, end)
        if (nameEnd < 0 || !this.newName(b, i + 1, nameEnd - 1, from)) return -1
        i = json.colonEnd(b, nameEnd, end)
        if (i < 0) return -1
      }
      i = this.valueEnd(b, i, end, depth - 1)
      if (i < 0) return -1
      i = json.skipSpace(b, i, end)
      if (i >= end) return -1
      if (b[i] === close) break
      if (b[i] !== COMMA) return -1
      i = json.skipSpace(b, i + 1, end)
    }
    // The object's names are forgotten with it: its parent's are compared with its parent's only.
    this.names = from
    return i + 1
  }

  /** Which slot a key names, trying the one after `previous` first (keys tend to come in order); -1 if none. */
  private slotOf(b: Uint8Array, start: number, end: number, previous: number): number {
    const keys = this.keys
    const guess = previous + 1
    if (guess < keys.length && sameBytes(b, start, end, keys[guess] as Uint8Array)) return guess
    for (let k = 0; k < keys.length; k++) if (sameBytes(b, start, end, keys[k] as Uint8Array)) return k
    return -1
  }
}

const sameBytes = (b: Uint8Array, start: number, end: number, key: Uint8Array): boolean => {
  if (end - start !== key.length) return false
  for (let i = 0; i < key.length; i++) if (b[start + i] !== key[i]) return false
  return true
}

const sameRange = (b: Uint8Array, a: number, c: number, length: number): boolean => {
  for (let i = 0; i < length; i++) if (b[a + i] !== b[c + i]) return false
  return true
}
