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
    const views = column.values()
    assert.strictEqual(views[0], views[2], "a repeated value is one view")
  })

  it("chooses dictionary encoding for repeated values and plain for distinct ones", () => {
    const repeated = new ByteColumn(1000)
    const distinct = new ByteColumn(1000)
    for (let i = 0; i < 1000; i++) {
      repeated.push(["electronics.smartphone", "apparel.shoes"][i % 2] as string)
      distinct.push(`6f1e6d6c-8b8a-4c53-9f4e-${String(i).padStart(12, "0")}`)
    }
    assert.strictEqual(repeated.encoding(), "RLE_DICTIONARY")
    assert.strictEqual(distinct.encoding(), "PLAIN")
  })
})
