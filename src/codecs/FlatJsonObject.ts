import { ABSENT, NULL, NUMBER, STRING } from "../domain/EventFields.js"
import { CLOSE_OBJECT, COMMA, isDigit, JsonScanner, MINUS, NULL_WORD, OPEN_OBJECT, QUOTE } from "./JsonScanner.js"

const json = new JsonScanner()

/**
 * Reads one flat JSON object of known keys, allocation-free: for each key, the kind of its value
 * (`ValueKind`) and where its bytes are (a string's text between its quotes, a number as
 * written). Only the common shape is read: plain strings (see `plainStringEnd`), numbers and
 * null, each key at most once; anything else (another key, an escape, true, an array, broken
 * JSON) answers `false`. One object at a time: the slots are reused by every `read`.
 */
export class FlatJsonObject {
  readonly kinds: Uint8Array
  readonly starts: Int32Array
  readonly ends: Int32Array
  private readonly keys: ReadonlyArray<Uint8Array>

  constructor(keys: ReadonlyArray<string>) {
    const encoder = new TextEncoder()
    this.keys = keys.map((key) => encoder.encode(key))
    this.kinds = new Uint8Array(keys.length)
    this.starts = new Int32Array(keys.length)
    this.ends = new Int32Array(keys.length)
  }

  /** Slots the members of the object in `b[start..end)`, or answers false. */
  read(b: Uint8Array, start: number, end: number): boolean {
    const { kinds, starts, ends } = this
    // A loop, not `fill`: a few bytes cost less than a call into the runtime (3% of the hot loop).
    for (let k = 0; k < kinds.length; k++) kinds[k] = ABSENT
    let i = json.skipSpace(b, start, end)
    if (i >= end || b[i] !== OPEN_OBJECT) return false
    i = json.skipSpace(b, i + 1, end)
    let previous = -1
    for (;;) {
      if (i >= end || b[i] !== QUOTE) return false
      const keyEnd = json.plainStringEnd(b, i, end)
      if (keyEnd < 0) return false
      const k = this.slotOf(b, i + 1, keyEnd - 1, previous)
      if (k < 0 || kinds[k] !== ABSENT) return false
      previous = k
      i = json.colonEnd(b, keyEnd, end)
      if (i < 0 || i >= end) return false
      const c = b[i] as number
      let valueEnd: number
      if (c === QUOTE) {
        valueEnd = json.plainStringEnd(b, i, end)
        kinds[k] = STRING
        starts[k] = i + 1
        ends[k] = valueEnd - 1
      } else if (c === MINUS || isDigit(c)) {
        valueEnd = json.numberEnd(b, i, end)
        kinds[k] = NUMBER
        starts[k] = i
        ends[k] = valueEnd
      } else {
        valueEnd = json.wordEnd(b, i, end, NULL_WORD)
        kinds[k] = NULL
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
