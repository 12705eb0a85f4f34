import type { ColumnChunk, RowGroup, SchemaElement, Statistics } from "hyparquet"
import type { ColumnSource } from "hyparquet-writer"
import { ByteWriter, ParquetWriter } from "hyparquet-writer"
import { type ChunkSource, writeChunk } from "./ChunkWriter.js"
import { COMPRESSORS } from "./Snappy.js"

/** The page indexes hyparquet-writer keeps per column chunk until the footer is written. */
export type PageIndexes = ParquetWriter["pendingIndexes"][number]

/**
 * One row group encoded by hyparquet-writer (Snappy, statistics), on its own: `bytes` are its
 * column chunks and every offset in `rowGroup` and `indexes` counts from `bytes[0]`. Encoding
 * needs nothing from the file it will go into, so row groups can be encoded on worker threads
 * and appended to the file in order afterwards.
 */
export interface EncodedRowGroup {
  readonly bytes: Uint8Array
  readonly rowGroup: RowGroup
  readonly indexes: ReadonlyArray<PageIndexes>
}

const MAGIC_BYTES = 4

/** Where an encoded row group's bytes go: a buffer of at least `size` bytes. */
export type Allocate = (size: number) => Uint8Array

// One writer a thread, kept from one row group to the next: it grows to the biggest once.
let scratch: ByteWriter | undefined

export const encodeRowGroup = (
  schema: ReadonlyArray<SchemaElement>,
  columnData: Array<ColumnSource>,
  allocate: Allocate = (size) => new Uint8Array(size),
): EncodedRowGroup => {
  const rows = columnData[0]?.data.length ?? 0
  scratch ??= new ByteWriter(1 << 20)
  const writer = scratch
  writer.index = 0
  writer.offset = 0
  const parquet = new ParquetWriter({ writer, schema: [...schema], codec: "SNAPPY", compressors: COMPRESSORS })
  parquet.write({ columnData, rowGroupSize: Math.max(rows, 1) })
  const [rowGroup] = parquet.row_groups
  if (rowGroup === undefined) throw new Error("hyparquet-writer wrote no row group")
  const size = writer.index - MAGIC_BYTES
  const bytes = allocate(size).subarray(0, size)
  bytes.set(new Uint8Array(writer.buffer, MAGIC_BYTES, size))
  for (const chunk of rowGroup.columns) ownStatistics(chunk.meta_data?.statistics)
  return shiftRowGroup({ bytes, rowGroup, indexes: parquet.pendingIndexes }, -MAGIC_BYTES)
}

/**
 * A row group written column chunk by column chunk from `sources` (in the schema's order), as
 * hyparquet-writer's `ParquetWriter` would place them, its offsets counting from its first byte.
 */
export const encodeChunks = (sources: ReadonlyArray<ChunkSource>, allocate: Allocate): EncodedRowGroup => {
  scratch ??= new ByteWriter(1 << 20)
  const writer = scratch
  writer.index = 0
  writer.offset = 0
  const indexes = sources.map((source) => writeChunk(writer, source))
  const columns: Array<ColumnChunk> = indexes.map((index) => index.chunk)
  let totalByteSize = 0n
  for (const { meta_data } of columns) totalByteSize += meta_data?.total_uncompressed_size ?? 0n
  const size = writer.index
  const bytes = allocate(size).subarray(0, size)
  bytes.set(new Uint8Array(writer.buffer, 0, size))
  const rowGroup: RowGroup = {
    columns,
    total_byte_size: totalByteSize,
    num_rows: BigInt(sources[0]?.rows ?? 0),
    total_compressed_size: BigInt(size),
  }
  return { bytes, rowGroup, indexes }
}

/**
 * Text statistics are views of the column's values (a buffer of a whole row group's text);
 * copied, they are a few bytes, not a buffer that structured cloning would copy whole and the
 * footer keep until the file is done.
 */
const ownStatistics = (statistics: Statistics | undefined): void => {
  if (statistics?.min_value instanceof Uint8Array) statistics.min_value = statistics.min_value.slice()
  if (statistics?.max_value instanceof Uint8Array) statistics.max_value = statistics.max_value.slice()
}

/** Moves every file offset of `group` by `delta` bytes, in place. */
const shiftRowGroup = (group: EncodedRowGroup, delta: number): EncodedRowGroup => {
  const by = BigInt(delta)
  for (const chunk of group.rowGroup.columns) {
    chunk.file_offset += by
    const meta = chunk.meta_data
    if (meta === undefined) continue
    meta.data_page_offset += by
    if (meta.dictionary_page_offset !== undefined) meta.dictionary_page_offset += by
  }
  for (const index of group.indexes) {
    for (const page of index.offsetIndex?.page_locations ?? []) page.offset += by
  }
  return group
}

/**
 * A Parquet file assembled from encoded row groups. `append` and `finish` hand back the bytes
 * to write next, in order; the footer's metadata is hyparquet-writer's own.
 */
export class RowGroupAssembler {
  private readonly writer: ByteWriter
  private readonly parquet: ParquetWriter
  rows = 0

  constructor(schema: ReadonlyArray<SchemaElement>) {
    this.writer = new ByteWriter(1 << 16)
    this.parquet = new ParquetWriter({
      writer: this.writer,
      schema: [...schema],
      codec: "SNAPPY",
      compressors: COMPRESSORS,
    })
  }

  /** The bytes written so far and not yet taken. */
  private take(): Uint8Array {
    const bytes = this.writer.getBytes().slice()
    this.writer.index = 0
    return bytes
  }

  /** The file's first bytes: the magic number. */
  header(): Uint8Array {
    return this.take()
  }

  /** Places `group` at the end of the file (it is then owned here) and answers the bytes to write. */
  append(group: EncodedRowGroup): Uint8Array {
    shiftRowGroup(group, this.writer.offset)
    this.writer.offset += group.bytes.length
    // Structured cloning (from a worker) breaks the identity the footer relies on: the page
    // index of a chunk updates that chunk's offsets in the row group's metadata.
    group.indexes.forEach((index, i) => {
      index.chunk = group.rowGroup.columns[i] ?? index.chunk
    })
    this.parquet.row_groups.push(group.rowGroup)
    this.parquet.pendingIndexes.push(...group.indexes)
    this.parquet.num_rows += group.rowGroup.num_rows
    this.rows += Number(group.rowGroup.num_rows)
    return group.bytes
  }

  /** The page indexes, the footer and the closing magic number. */
  finish(): Uint8Array {
    this.parquet.finish()
    return this.take()
  }
}
