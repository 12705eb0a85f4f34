import type { ByteWriter } from "hyparquet-writer"
import { type ChunkSource, chunkStatistics, indexScratch, writeIndexes } from "./ChunkWriter.js"

const encoder = new TextEncoder()
const decoder = new TextDecoder()

const FNV_OFFSET = 0x811c9dc5
const FNV_PRIME = 0x01000193
const HASHED_BYTES = 8

const grow = <T extends Int32Array | Uint8Array>(array: T, size: number, make: (n: number) => T): T => {
  if (size <= array.length) return array
  const grown = make(Math.max(array.length * 2, size))
  grown.set(array)
  return grown
}

/**
 * A nullable UTF-8 text column of one row group. Each distinct value is stored once (found in a
 * hash table as it comes in from the line it was read in), and a row is the number of its value: a repeated session or brand costs four bytes, not a string or a typed array of its
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
  /** Each distinct value's hash, and a table of value numbers by hash (-1: empty slot). */
  private hashes: Int32Array
  private table: Int32Array
  /** Each row's value number, -1 for null. */
  private rows: Int32Array
  private scratch = new Uint8Array(256)
  length = 0
  private nonNullBytes = 0
  private nulls = 0
  /** The smallest and the largest distinct value in byte order, -1 before the first. */
  private minValue = -1
  private maxValue = -1

  constructor(capacity: number) {
    this.rows = new Int32Array(Math.max(capacity, 16))
    this.starts = new Int32Array(1024)
    this.ends = new Int32Array(1024)
    this.hashes = new Int32Array(1024)
    this.table = new Int32Array(2048).fill(-1)
    this.bytes = new Uint8Array(64 * 1024)
  }

  private pushRow(value: number): void {
    if (this.length === this.rows.length) this.rows = grow(this.rows, this.length + 1, (n) => new Int32Array(n))
    this.rows[this.length++] = value
  }

  pushNull(): void {
    this.nulls++
    this.pushRow(-1)
  }

  /** Appends the UTF-8 text `source[start..end)`. */
  pushBytes(source: Uint8Array, start: number, end: number): void {
    const length = end - start
    this.nonNullBytes += length
    // The length and the first and last bytes tell values apart well enough to find the few to
    // compare with byte by byte: a long value is not hashed whole.
    let hash = Math.imul(FNV_OFFSET ^ length, FNV_PRIME)
    const head = Math.min(end, start + HASHED_BYTES)
    for (let i = start; i < head; i++) hash = Math.imul(hash ^ (source[i] as number), FNV_PRIME)
    for (let i = Math.max(head, end - HASHED_BYTES); i < end; i++)
      hash = Math.imul(hash ^ (source[i] as number), FNV_PRIME)
    const { table, hashes, starts, ends, bytes } = this
    const mask = table.length - 1
    let slot = hash & mask
    for (let value = table[slot] as number; value >= 0; value = table[slot] as number) {
      if (hashes[value] === hash && (ends[value] as number) - (starts[value] as number) === length) {
        let at = starts[value] as number
        let i = start
        while (i < end && bytes[at] === source[i]) {
          at++
          i++
        }
        if (i === end) {
          this.pushRow(value)
          return
        }
      }
      slot = (slot + 1) & mask
    }
    const value = this.addValue(source, start, end, hash)
    table[slot] = value
    if (this.distinct * 2 > table.length) this.rehash()
    this.pushRow(value)
  }

  private addValue(source: Uint8Array, start: number, end: number, hash: number): number {
    this.bytes = grow(this.bytes, this.size + end - start, (n) => new Uint8Array(n))
    this.starts = grow(this.starts, this.distinct + 1, (n) => new Int32Array(n))
    this.ends = grow(this.ends, this.distinct + 1, (n) => new Int32Array(n))
    this.hashes = grow(this.hashes, this.distinct + 1, (n) => new Int32Array(n))
    const bytes = this.bytes
    let at = this.size
    for (let i = start; i < end; i++) bytes[at++] = source[i] as number
    const value = this.distinct++
    this.starts[value] = this.size
    this.ends[value] = at
    this.hashes[value] = hash
    this.size = at
    if (this.minValue < 0 || this.compare(value, this.minValue) < 0) this.minValue = value
    if (this.maxValue < 0 || this.compare(value, this.maxValue) > 0) this.maxValue = value
    return value
  }

  /** Distinct values `a` and `b` in unsigned byte order, as Parquet orders text statistics. */
  private compare(a: number, b: number): number {
    const { bytes } = this
    let i = this.starts[a] as number
    let j = this.starts[b] as number
    const aEnd = this.ends[a] as number
    const bEnd = this.ends[b] as number
    for (; i < aEnd && j < bEnd; i++, j++) if (bytes[i] !== bytes[j]) return (bytes[i] as number) - (bytes[j] as number)
    return aEnd - i - (bEnd - j)
  }

  /** Doubles the table of distinct values (open addressing, linear probing). */
  private rehash(): void {
    const table = new Int32Array(this.table.length * 2).fill(-1)
    const mask = table.length - 1
    for (let value = 0; value < this.distinct; value++) {
      let slot = (this.hashes[value] as number) & mask
      while ((table[slot] as number) >= 0) slot = (slot + 1) & mask
      table[slot] = value
    }
    this.table = table
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

  /** Empties the column for the next row group, keeping its buffers (grown to the biggest once). */
  reset(): void {
    this.table.fill(-1)
    this.size = 0
    this.distinct = 0
    this.length = 0
    this.nonNullBytes = 0
    this.nulls = 0
    this.minValue = -1
    this.maxValue = -1
  }

  nullCount(): number {
    return this.nulls
  }

  text(i: number): string | null {
    const value = this.rows[i] as number
    return value < 0 ? null : decoder.decode(this.bytes.subarray(this.starts[value], this.ends[value]))
  }

  /**
   * Dictionary encoding when the distinct values plus their bit-packed indexes take at most half
   * the plain bytes (hyparquet-writer's own rule), plain otherwise (a column of nulls too: there
   * is nothing to put in a dictionary).
   */
  private dictionaryEncoded(): boolean {
    const rows = this.length - this.nulls
    const plain = this.nonNullBytes + 4 * rows
    const dictionary =
      this.size + 4 * this.distinct + Math.ceil((rows * Math.ceil(Math.log2(Math.max(this.distinct, 2)))) / 8)
    return rows > 0 && 2 * dictionary <= plain
  }

  /** Writes the values numbered `values[from..to)` (or every distinct value) as PLAIN byte arrays: length, bytes. */
  private writePlain(page: ByteWriter, values: Int32Array | null, from: number, to: number): void {
    const { bytes, starts, ends } = this
    let total = 0
    for (let i = from; i < to; i++) {
      const value = values === null ? i : (values[i] as number)
      if (value >= 0) total += 4 + (ends[value] as number) - (starts[value] as number)
    }
    page.ensure(total)
    const out = new Uint8Array(page.buffer)
    let at = page.index
    for (let i = from; i < to; i++) {
      const value = values === null ? i : (values[i] as number)
      if (value < 0) continue
      const end = ends[value] as number
      let k = starts[value] as number
      page.view.setUint32(at, end - k, true)
      at += 4
      while (k < end) out[at++] = bytes[k++] as number
    }
    page.offset += at - page.index
    page.index = at
  }

  /** The column chunk of column `name`: its pages read from this column's arrays, its statistics from the pushes. */
  chunk(name: string): ChunkSource {
    const { rows, starts, ends } = this
    const dictionary = this.dictionaryEncoded()
    const bound = (value: number) => (value < 0 ? undefined : this.bytes.slice(starts[value], ends[value]))
    return {
      name,
      type: "BYTE_ARRAY",
      rows: this.length,
      isNull: (row) => (rows[row] as number) < 0,
      valueSize: dictionary
        ? (row) => ((rows[row] as number) < 0 ? 0 : 4)
        : (row) => {
            const value = rows[row] as number
            return value < 0 ? 0 : (ends[value] as number) - (starts[value] as number)
          },
      dictionary: dictionary
        ? { count: this.distinct, write: (page) => this.writePlain(page, null, 0, this.distinct) }
        : undefined,
      writeValues: dictionary
        ? (page, start, end) => {
            const indexes = indexScratch(end - start)
            let count = 0
            for (let row = start; row < end; row++)
              if ((rows[row] as number) >= 0) indexes[count++] = rows[row] as number
            writeIndexes(page, indexes, count)
          }
        : (page, start, end) => this.writePlain(page, rows, start, end),
      statistics: chunkStatistics(bound(this.minValue), bound(this.maxValue), BigInt(this.nulls)),
    }
  }
}
