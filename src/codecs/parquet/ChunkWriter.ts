import type { ColumnChunk, ColumnMetaData, Encoding, OffsetIndex, ParquetType, Statistics } from "hyparquet"
import { ByteWriter } from "hyparquet-writer"
import { writePageHeader } from "hyparquet-writer/src/datapage.js"
import { writeRleBitPackedHybrid } from "hyparquet-writer/src/encoding.js"
import type { PageIndexes } from "./RowGroups.js"
import { COMPRESSORS } from "./Snappy.js"

/** hyparquet-writer's page size: a data page ends once its values' plain size reaches it. */
const PAGE_SIZE = 1 << 20

/**
 * One flat, optional column chunk of a row group, read straight from the typed arrays that hold
 * it: what hyparquet-writer's `writeColumn` writes (the same pages, page splits, headers and
 * statistics), without making a JavaScript value per row first.
 */
export interface ChunkSource {
  readonly name: string
  readonly type: ParquetType
  readonly rows: number
  readonly isNull: (row: number) => boolean
  /** What the row's value adds to its page: 4 bytes for a dictionary index, its plain size otherwise. */
  readonly valueSize: (row: number) => number
  /** The distinct values, plain-encoded, and how many: the chunk is dictionary-encoded. */
  readonly dictionary?: { readonly count: number; readonly write: (page: ByteWriter) => void } | undefined
  /** Writes the values (or dictionary indexes) of the rows `[start, end)` that are not null. */
  readonly writeValues: (page: ByteWriter, start: number, end: number) => void
  readonly statistics: ChunkStatistics
}

type PageLocation = OffsetIndex["page_locations"][number]

/** Chunk statistics; `nan_count` (floats) is written by hyparquet-writer though not typed by hyparquet. */
export type ChunkStatistics = Statistics & { nan_count?: bigint }

/** Statistics with bounds where there are values (a column of nulls has none). */
export const chunkStatistics = (
  min: Statistics["min_value"] | undefined,
  max: Statistics["max_value"] | undefined,
  nullCount: bigint,
): ChunkStatistics =>
  min === undefined || max === undefined
    ? { null_count: nullCount }
    : { min_value: min, max_value: max, null_count: nullCount }

/** Scratch space, one set a thread, grown to the biggest page once and kept. */
const scratch = {
  levels: new ByteWriter(),
  page: new ByteWriter(),
  definitions: new Uint8Array(1024),
  indexes: new Int32Array(1024),
}

/** `writer` emptied for a page. */
const fresh = (writer: ByteWriter): ByteWriter => {
  writer.index = 0
  writer.offset = 0
  return writer
}

/** A scratch `Int32Array` of at least `size` values, for a page's dictionary indexes. */
export const indexScratch = (size: number): Int32Array => {
  if (scratch.indexes.length < size) scratch.indexes = new Int32Array(Math.max(size, scratch.indexes.length * 2))
  return scratch.indexes
}

/** The dictionary page, Snappy-compressed after its header as hyparquet-writer writes it; answers its uncompressed size. */
const writeDictionaryPage = (writer: ByteWriter, source: ChunkSource): number => {
  const page = fresh(scratch.page)
  source.dictionary?.write(page)
  const bytes = page.getBytes()
  const compressed = COMPRESSORS.SNAPPY(bytes)
  const headerStart = writer.offset
  writePageHeader(writer, {
    type: "DICTIONARY_PAGE",
    uncompressed_page_size: bytes.length,
    compressed_page_size: compressed.length,
    dictionary_page_header: { num_values: source.dictionary?.count ?? 0, encoding: "PLAIN" },
  })
  const headerSize = writer.offset - headerStart
  writer.appendBytes(compressed)
  return headerSize + bytes.length
}

/** A data page (v2) of rows `[start, end)`: definition levels, then the compressed values. */
const writeDataPage = (
  writer: ByteWriter,
  source: ChunkSource,
  encoding: Encoding,
  range: { readonly start: number; readonly end: number },
): number => {
  const { start, end } = range
  const rows = end - start
  if (scratch.definitions.length < rows)
    scratch.definitions = new Uint8Array(Math.max(rows, scratch.definitions.length * 2))
  const definitions = scratch.definitions
  let nulls = 0
  for (let row = start; row < end; row++) {
    const isNull = source.isNull(row)
    definitions[row - start] = isNull ? 0 : 1
    if (isNull) nulls++
  }
  const levels = fresh(scratch.levels)
  const levelsLength = writeRleBitPackedHybrid(levels, definitions.subarray(0, rows), 1)
  const page = fresh(scratch.page)
  source.writeValues(page, start, end)
  const compressed = COMPRESSORS.SNAPPY(page.getBytes())
  const headerStart = writer.offset
  writePageHeader(writer, {
    type: "DATA_PAGE_V2",
    uncompressed_page_size: levels.offset + page.offset,
    compressed_page_size: levels.offset + compressed.length,
    data_page_header_v2: {
      num_values: rows,
      num_nulls: nulls,
      num_rows: rows,
      encoding,
      definition_levels_byte_length: levelsLength,
      repetition_levels_byte_length: 0,
      is_compressed: true,
    },
  })
  const headerSize = writer.offset - headerStart
  writer.appendBytes(levels.getBytes())
  writer.appendBytes(compressed)
  return headerSize + levels.offset + page.offset
}

/**
 * Writes the column chunk of `source` at the end of `writer` and answers its metadata and, where
 * it took more than one page, where each page is (the footer's offset index).
 */
export const writeChunk = (writer: ByteWriter, source: ChunkSource): PageIndexes => {
  const offsetStart = writer.offset
  let uncompressed = 0
  let dictionaryOffset: Pick<ColumnMetaData, "dictionary_page_offset"> = {}
  const encodings: Array<Encoding> = []
  if (source.dictionary !== undefined) {
    dictionaryOffset = { dictionary_page_offset: BigInt(writer.offset) }
    uncompressed += writeDictionaryPage(writer, source)
    encodings.push("PLAIN")
  }
  const encoding: Encoding = source.dictionary === undefined ? "PLAIN" : "RLE_DICTIONARY"
  encodings.push(encoding)
  const data_page_offset = BigInt(writer.offset)
  const locations: Array<PageLocation> = []
  const page = (start: number, end: number) => {
    const offset = writer.offset
    uncompressed += writeDataPage(writer, source, encoding, { start, end })
    locations.push({
      offset: BigInt(offset),
      compressed_page_size: writer.offset - offset,
      first_row_index: BigInt(start),
    })
  }
  let start = 0
  let size = 0
  for (let row = 0; row < source.rows; row++) {
    const valueSize = source.valueSize(row)
    size += valueSize
    if (size >= PAGE_SIZE && row > start) {
      page(start, row)
      start = row
      size = valueSize
    }
  }
  if (start < source.rows) page(start, source.rows)
  const chunk: ColumnChunk = {
    meta_data: {
      type: source.type,
      encodings,
      path_in_schema: [source.name],
      codec: "SNAPPY",
      num_values: BigInt(source.rows),
      total_compressed_size: BigInt(writer.offset - offsetStart),
      total_uncompressed_size: BigInt(uncompressed),
      data_page_offset,
      ...dictionaryOffset,
      statistics: source.statistics,
      encoding_stats: [
        ...(source.dictionary === undefined
          ? []
          : [{ page_type: "DICTIONARY_PAGE" as const, encoding: "PLAIN" as const, count: 1 }]),
        { page_type: "DATA_PAGE_V2", encoding, count: locations.length },
      ],
    },
    file_offset: BigInt(offsetStart),
  }
  return locations.length > 1 ? { chunk, offsetIndex: { page_locations: locations } } : { chunk }
}

/**
 * Writes `count` dictionary indexes as a data page holds them: the bit width of the largest, then
 * the indexes in hyparquet-writer's RLE / bit-packed hybrid.
 */
export const writeIndexes = (page: ByteWriter, indexes: Int32Array, count: number): void => {
  let largest = 0
  for (let i = 0; i < count; i++) if ((indexes[i] as number) > largest) largest = indexes[i] as number
  const bitWidth = Math.ceil(Math.log2(largest + 1))
  page.appendUint8(bitWidth)
  writeRleBitPackedHybrid(page, indexes.subarray(0, count), bitWidth)
}
