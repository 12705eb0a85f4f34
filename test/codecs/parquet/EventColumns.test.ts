import { Either } from "effect"
import { parquetMetadata } from "hyparquet"
import { ByteWriter, type ColumnSource, ParquetWriter } from "hyparquet-writer"
import { EventColumns } from "../../../src/codecs/parquet/EventColumns.js"
import { EVENTS_SCHEMA } from "../../../src/codecs/parquet/ParquetSchemas.js"
import { RowGroupAssembler } from "../../../src/codecs/parquet/RowGroups.js"
import { COMPRESSORS } from "../../../src/codecs/parquet/Snappy.js"
import type { EventRecord } from "../../../src/domain/EventRecord.js"
import { parseWeek } from "../../../src/domain/Week.js"
import { records } from "../../support/EventRecordSamples.js"
import { assert, describe, it } from "../../support/vitest.js"

const STAMP = {
  week: Either.getOrThrow(parseWeek("2019-11-01", "2019-11-07")),
  ingestedAtMicros: Date.UTC(2019, 10, 28, 19) * 1000,
}

/** The row group as a hyparquet-writer user writes it: one array of values a column, encodings its own choice. */
const plainColumns = (group: ReadonlyArray<EventRecord>): Array<ColumnSource> => {
  const column = (name: keyof EventRecord) => ({ name, data: group.map((record) => record[name]) })
  const constant = (name: string, value: unknown) => ({
    name,
    data: group.map(() => value),
    encoding: "RLE_DICTIONARY" as const,
  })
  return [
    column("event_time"),
    column("event_type"),
    column("product_id"),
    column("category_id"),
    column("category_code"),
    column("brand"),
    column("price"),
    column("user_id"),
    column("user_session"),
    constant("batch_week_start", STAMP.week.start),
    constant("batch_week_end", STAMP.week.end),
    constant("ingested_at", BigInt(STAMP.ingestedAtMicros)),
  ]
}

describe("events encoded from their columns", () => {
  it("make the very file hyparquet-writer writes from the same values, byte for byte", () => {
    // Dictionary and plain text, a chunk of two pages, a row group of one row, one set of
    // columns used for every row group.
    const groups = [records(1, 3000), records(2, 1), records(3, 3000, true), records(4, 1800)]
    const writer = new ByteWriter()
    const direct = new ParquetWriter({ writer, schema: [...EVENTS_SCHEMA], codec: "SNAPPY", compressors: COMPRESSORS })
    for (const group of groups) direct.write({ columnData: plainColumns(group), rowGroupSize: group.length })
    direct.finish()

    const assembler = new RowGroupAssembler(EVENTS_SCHEMA)
    const columns = new EventColumns(16)
    const parts = [assembler.header()]
    for (const group of groups) {
      for (const record of group) columns.push(record)
      parts.push(assembler.append(structuredClone(columns.encode(STAMP))))
    }
    parts.push(assembler.finish())
    assert.strictEqual(columns.length, 0, "encoding empties the columns")
    const file = new Uint8Array(Buffer.concat(parts))
    assert.deepStrictEqual(file, writer.getBytes())
    const chunks = parquetMetadata(file.buffer).row_groups.flatMap((group) => group.columns)
    assert.isTrue(
      chunks.some((chunk) => chunk.offset_index_offset !== undefined),
      "a chunk of several pages",
    )
  })
})
