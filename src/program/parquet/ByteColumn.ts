import type { Encoding } from "hyparquet"

const encoder = new TextEncoder()
const decoder = new TextDecoder()

const FNV_OFFSET = 0x811c9dc5
const FNV_PRIME = 0x01000193

const grow = <T extends Int32Array | Uint8Array>(array: T, size: number, make: (n: number) => T): T => {
  if (size <= array.length) return array
  const grown = make(Math.max(array.length * 2, size))
  grown.set(array)
  return grown
}

/**
 * A nullable UTF-8 text column of one row group. Each distinct value is stored once (values are
 * hashed as they are copied in from the line they were found in), and a row is the number of
 * its value: a repeated session or brand costs four bytes, not a string or a typed array of its
 * own. Knowing the distinct values also settles dictionary against plain encoding exactly,
 * where hyparquet-writer would sample.
 */
export class ByteColumn {
  private bytes: Uint8Array
  private size = 0
  /** `[start, end)` of each distinct value in `bytes`. */
  private starts: Int32Array
  private ends: Int32Array
  private distinct = 0
  private readonly byHash = new Map<number, number>()
  /** Each row's value number, -1 for null. */
  private rows: Int32Array
  private scratch = new Uint8Array(256)
  length = 0
  private nonNullBytes = 0
  private nulls = 0

  constructor(capacity: number) {
    this.rows = new Int32Array(Math.max(capacity, 16))
    this.starts = new Int32Array(1024)
    this.ends = new Int32Array(1024)
    this.bytes = new Uint8Array(64 * 1024)
  }

  private pushRow(value: number): void {
    this.rows = grow(this.rows, this.length + 1, (n) => new Int32Array(n))
    this.rows[this.length++] = value
  }

  pushNull(): void {
    this.nulls++
    this.pushRow(-1)
  }

  /** Appends the UTF-8 text `source[start..end)`. */
  pushBytes(source: Uint8Array, start: number, end: number): void {
    let hash = FNV_OFFSET
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ (source[i] as number), FNV_PRIME)
    // A small integer key keeps the map fast; equal hashes are confirmed byte by byte.
    const key = hash & 0x3fffffff
    const known = this.byHash.get(key)
    const length = end - start
    this.nonNullBytes += length
    if (known !== undefined && (this.ends[known] as number) - (this.starts[known] as number) === length) {
      let at = this.starts[known] as number
      let same = true
      for (let i = start; i < end; i++) {
        if (this.bytes[at++] !== source[i]) {
          same = false
          break
        }
      }
      if (same) {
        this.pushRow(known)
        return
      }
    }
    this.bytes = grow(this.bytes, this.size + length, (n) => new Uint8Array(n))
    this.starts = grow(this.starts, this.distinct + 1, (n) => new Int32Array(n))
    this.ends = grow(this.ends, this.distinct + 1, (n) => new Int32Array(n))
    const bytes = this.bytes
    let at = this.size
    for (let i = start; i < end; i++) bytes[at++] = source[i] as number
    const value = this.distinct++
    this.starts[value] = this.size
    this.ends[value] = at
    this.size = at
    if (known === undefined) this.byHash.set(key, value)
    this.pushRow(value)
  }

  /** Appends ASCII `source[start..end)` with A-Z lower-cased. */
  pushLowerAscii(source: Uint8Array, start: number, end: number): void {
    let upper = false
    for (let i = start; i < end && !upper; i++) upper = (source[i] as number) >= 0x41 && (source[i] as number) <= 0x5a
    if (!upper) {
      this.pushBytes(source, start, end)
      return
    }
    this.scratch = grow(this.scratch, end - start, (n) => new Uint8Array(n))
    for (let i = start; i < end; i++) {
      const c = source[i] as number
      this.scratch[i - start] = c >= 0x41 && c <= 0x5a ? c + 0x20 : c
    }
    this.pushBytes(this.scratch, 0, end - start)
  }

  push(text: string | null): void {
    if (text === null) {
      this.pushNull()
      return
    }
    this.scratch = grow(this.scratch, text.length * 3, (n) => new Uint8Array(n))
    const { written } = encoder.encodeInto(text, this.scratch)
    this.pushBytes(this.scratch, 0, written)
  }

  /** Done pushing: the index of distinct values is no longer needed. */
  seal(): void {
    this.byHash.clear()
  }

  nullCount(): number {
    return this.nulls
  }

  text(i: number): string | null {
    const value = this.rows[i] as number
    return value < 0 ? null : decoder.decode(this.bytes.subarray(this.starts[value], this.ends[value]))
  }

  /** The column's values as hyparquet-writer takes them: one view per distinct value, `null` where absent. */
  values(): Array<Uint8Array | null> {
    const views = new Array<Uint8Array>(this.distinct)
    for (let v = 0; v < this.distinct; v++) views[v] = this.bytes.subarray(this.starts[v], this.ends[v])
    const values = new Array<Uint8Array | null>(this.length)
    for (let i = 0; i < this.length; i++) {
      const value = this.rows[i] as number
      values[i] = value < 0 ? null : (views[value] as Uint8Array)
    }
    return values
  }

  /**
   * Dictionary encoding when the distinct values plus their bit-packed indexes take at most half
   * the plain bytes (hyparquet-writer's own rule), plain otherwise.
   */
  encoding(): Encoding {
    const rows = this.length - this.nulls
    const plain = this.nonNullBytes + 4 * rows
    const dictionary =
      this.size + 4 * this.distinct + Math.ceil((rows * Math.ceil(Math.log2(Math.max(this.distinct, 2)))) / 8)
    return 2 * dictionary <= plain ? "RLE_DICTIONARY" : "PLAIN"
  }
}
