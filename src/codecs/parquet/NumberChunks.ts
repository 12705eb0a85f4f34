import type { ByteWriter } from "hyparquet-writer"
import { type ChunkSource, chunkStatistics, indexScratch, writeIndexes } from "./ChunkWriter.js"

const TWO_32 = 2 ** 32

/** Writes the integer `value` (a safe integer held as a double) as a little-endian INT64, without a bigint. */
const setInt64 = (page: ByteWriter, at: number, value: number): void => {
  const high = Math.floor(value / TWO_32)
  page.view.setUint32(at, value - high * TWO_32, true)
  page.view.setInt32(at + 4, high, true)
}

/** The smallest and largest of `values[0..rows)` that are not NaN (absent), and how many are. */
const bounds = (values: Float64Array, rows: number) => {
  let min = Number.POSITIVE_INFINITY
  let max = Number.NEGATIVE_INFINITY
  let nulls = 0
  for (let i = 0; i < rows; i++) {
    const value = values[i] as number
    if (Number.isNaN(value)) nulls++
    else {
      if (value < min) min = value
      if (value > max) max = value
    }
  }
  // Parquet's rule for a zero bound: the minimum is -0, the maximum +0.
  return nulls < rows
    ? chunkStatistics(min === 0 ? -0 : min, max === 0 ? 0 : max, BigInt(nulls))
    : chunkStatistics(undefined, undefined, BigInt(nulls))
}

/**
 * A timestamp column of epoch microseconds held as doubles (NaN where absent), PLAIN-encoded:
 * a week's times are nearly all distinct, where a dictionary does not pay.
 */
export const timestampChunk = (name: string, values: Float64Array, rows: number): ChunkSource => ({
  name,
  type: "INT64",
  rows,
  isNull: (row) => Number.isNaN(values[row]),
  valueSize: (row) => (Number.isNaN(values[row]) ? 0 : 8),
  writeValues: (page, start, end) => {
    page.ensure(8 * (end - start))
    let at = page.index
    for (let row = start; row < end; row++) {
      const value = values[row] as number
      if (Number.isNaN(value)) continue
      setInt64(page, at, value)
      at += 8
    }
    page.offset += at - page.index
    page.index = at
  },
  statistics: bounds(values, rows),
})

/** The distinct values of a double column and each row's number among them, kept from one row group to the next. */
const distinct = {
  values: new Float64Array(1024),
  rows: new Int32Array(1024),
  table: new Int32Array(2048),
}

/** Numbers each value of `values[0..rows)` that is not NaN by first appearance (-1 for NaN); answers how many there are. */
const numberDistinct = (values: Float64Array, rows: number): number => {
  if (distinct.rows.length < rows) distinct.rows = new Int32Array(rows)
  // Twice the slots of the most distinct values there can be: probes stay short.
  const slots = 2 ** Math.ceil(Math.log2(2 * Math.max(rows, 16)))
  if (distinct.table.length < slots) distinct.table = new Int32Array(slots)
  if (distinct.values.length < rows) distinct.values = new Float64Array(rows)
  const { table, rows: numbers, values: seen } = distinct
  table.fill(-1, 0, slots)
  const mask = slots - 1
  const bits = new Int32Array(values.buffer, values.byteOffset, 2 * rows)
  let count = 0
  for (let row = 0; row < rows; row++) {
    const value = values[row] as number
    if (Number.isNaN(value)) {
      numbers[row] = -1
      continue
    }
    let slot =
      (Math.imul((bits[2 * row] as number) ^ Math.imul(bits[2 * row + 1] as number, 0x9e3779b1), 0x85ebca6b) >>> 0) &
      mask
    let found = table[slot] as number
    // Object.is-equal: -0 and +0 are distinct values, as hyparquet-writer's dictionary keeps them.
    while (found >= 0 && !Object.is(seen[found], value)) {
      slot = (slot + 1) & mask
      found = table[slot] as number
    }
    if (found < 0) {
      found = count++
      seen[found] = value
      table[slot] = found
    }
    numbers[row] = found
  }
  return count
}

/**
 * A DOUBLE column held as doubles (NaN where absent): dictionary-encoded when the distinct values
 * plus their bit-packed indexes take at most half the plain bytes (hyparquet-writer's rule), plain
 * otherwise.
 */
export const doubleChunk = (name: string, values: Float64Array, rows: number): ChunkSource => {
  const count = numberDistinct(values, rows)
  const numbers = distinct.rows
  const statistics = { ...bounds(values, rows), nan_count: 0n }
  const present = rows - Number(statistics.null_count ?? 0n)
  const dictionary = 2 * (8 * count + Math.ceil((present * Math.ceil(Math.log2(count))) / 8)) <= 8 * present
  const base = { name, type: "DOUBLE" as const, rows, isNull: (row: number) => Number.isNaN(values[row]), statistics }
  if (!dictionary)
    return {
      ...base,
      valueSize: (row) => (Number.isNaN(values[row]) ? 0 : 8),
      writeValues: (page, start, end) => {
        for (let row = start; row < end; row++)
          if (!Number.isNaN(values[row])) page.appendFloat64(values[row] as number)
      },
    }
  const seen = distinct.values
  return {
    ...base,
    valueSize: (row) => (Number.isNaN(values[row]) ? 0 : 4),
    dictionary: {
      count,
      write: (page) => {
        for (let i = 0; i < count; i++) page.appendFloat64(seen[i] as number)
      },
    },
    writeValues: (page, start, end) => {
      const indexes = indexScratch(end - start)
      let n = 0
      for (let row = start; row < end; row++) if ((numbers[row] as number) >= 0) indexes[n++] = numbers[row] as number
      writeIndexes(page, indexes, n)
    },
  }
}

/** A column holding `value` in every row: one dictionary value and a single run of index 0. */
export const constantChunk = (name: string, value: Uint8Array | bigint, rows: number): ChunkSource => ({
  name,
  type: typeof value === "bigint" ? "INT64" : "BYTE_ARRAY",
  rows,
  isNull: () => false,
  valueSize: () => 4,
  dictionary: {
    count: 1,
    write: (page) => {
      if (typeof value === "bigint") page.appendInt64(value)
      else {
        page.appendUint32(value.length)
        page.appendBytes(value)
      }
    },
  },
  writeValues: (page, start, end) => writeIndexes(page, indexScratch(end - start).fill(0, 0, end - start), end - start),
  statistics: chunkStatistics(value, value, 0n),
})
