import { ByteColumn } from "../../../src/codecs/parquet/ByteColumn.js"
import { assert, describe, it } from "../../support/vitest.js"

const bytes = (text: string) => new TextEncoder().encode(text)

describe("a text column", () => {
  it("keeps each value as pushed, nulls and repeats included", () => {
    const column = new ByteColumn(2)
    const values = ["view", null, "view", "Café", "", "cart", "view"]
    for (const value of values) column.push(value)
    const line = bytes(' "PURCHASE" ')
    column.pushLowerAscii(line, 2, 10)
    column.pushBytes(line, 2, 10)
    assert.deepStrictEqual(
      Array.from({ length: column.length }, (_, i) => column.text(i)),
      [...values, "purchase", "PURCHASE"],
    )
    assert.strictEqual(column.nullCount(), 1)
    // In UTF-8 byte order "" < "Café" < "PURCHASE" < "cart" < "purchase" < "view".
    const { statistics } = column.chunk("event_type")
    assert.deepStrictEqual([statistics.min_value, statistics.max_value], [bytes(""), bytes("view")])
    assert.strictEqual(statistics.null_count, 1n)
  })

  it("starts over empty after a reset, its values and bounds those pushed since", () => {
    const column = new ByteColumn(2)
    for (const value of ["zebra", "aardvark", null, "mole"]) column.push(value)
    column.reset()
    for (const value of ["mole", "mole", "vole"]) column.push(value)
    assert.deepStrictEqual(
      Array.from({ length: column.length }, (_, i) => column.text(i)),
      ["mole", "mole", "vole"],
    )
    const { statistics } = column.chunk("brand")
    assert.deepStrictEqual(
      [statistics.min_value, statistics.max_value, statistics.null_count],
      [bytes("mole"), bytes("vole"), 0n],
    )
  })

  it("chooses dictionary encoding for repeated values and plain for distinct ones", () => {
    const repeated = new ByteColumn(1000)
    const distinct = new ByteColumn(1000)
    for (let i = 0; i < 1000; i++) {
      repeated.push(["electronics.smartphone", "apparel.shoes"][i % 2] as string)
      distinct.push(`6f1e6d6c-8b8a-4c53-9f4e-${String(i).padStart(12, "0")}`)
    }
    assert.strictEqual(repeated.chunk("category_code").dictionary?.count, 2)
    assert.isUndefined(distinct.chunk("user_session").dictionary)
  })
})
