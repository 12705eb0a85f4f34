import { parquetMetadata } from "hyparquet"
import { ByteWriter, ParquetWriter } from "hyparquet-writer"
import { REJECTS_SCHEMA } from "../../../src/codecs/parquet/ParquetSchemas.js"
import { rejectColumnData } from "../../../src/codecs/parquet/RejectColumns.js"
import { encodeRowGroup, RowGroupAssembler } from "../../../src/codecs/parquet/RowGroups.js"
import { COMPRESSORS } from "../../../src/codecs/parquet/Snappy.js"
import { assert, describe, it } from "../../support/vitest.js"

const rejects = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({
    row_index: from + i,
    error_count: 1 + (i % 3),
    errors: JSON.stringify([{ path: "price", message: `price must be >= 0, got -${i}` }]),
    raw_event: `{"price":-${i},"pad":"${"x".repeat(i % 500)}"}`,
    rejected_at: 1574967600000000,
    batch_week_start: "2019-11-01",
    batch_week_end: "2019-11-07",
  }))

const concat = (parts: ReadonlyArray<Uint8Array>) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

describe("row groups encoded apart and assembled", () => {
  it("make the very file hyparquet-writer writes in one go, byte for byte", () => {
    // Sizes that give several pages and page indexes per column chunk.
    const groups = [rejects(0, 3000), rejects(3000, 1), rejects(3001, 4500)]

    const writer = new ByteWriter()
    const direct = new ParquetWriter({ writer, schema: [...REJECTS_SCHEMA], codec: "SNAPPY", compressors: COMPRESSORS })
    for (const rows of groups) direct.write({ columnData: rejectColumnData(rows), rowGroupSize: rows.length })
    direct.finish()

    const assembler = new RowGroupAssembler(REJECTS_SCHEMA)
    // A worker thread's result arrives structured-cloned: the clone is what gets assembled.
    const parts = [assembler.header()]
    for (const rows of groups)
      parts.push(assembler.append(structuredClone(encodeRowGroup(REJECTS_SCHEMA, rejectColumnData(rows)))))
    parts.push(assembler.finish())

    assert.strictEqual(assembler.rows, 7501)
    const file = concat(parts)
    assert.deepStrictEqual(file, writer.getBytes())
    // The offsets that had to move: dictionary pages, data pages, page indexes.
    const chunks = parquetMetadata(file.buffer).row_groups.flatMap((group) => group.columns)
    assert.isTrue(chunks.some((chunk) => chunk.meta_data?.dictionary_page_offset !== undefined))
    assert.isTrue(chunks.some((chunk) => chunk.offset_index_offset !== undefined))
  })

  it("make a readable file with no row group at all", () => {
    const writer = new ByteWriter()
    const direct = new ParquetWriter({ writer, schema: [...REJECTS_SCHEMA], codec: "SNAPPY", compressors: COMPRESSORS })
    direct.finish()
    const assembler = new RowGroupAssembler(REJECTS_SCHEMA)
    assert.deepStrictEqual(concat([assembler.header(), assembler.finish()]), writer.getBytes())
  })
})
