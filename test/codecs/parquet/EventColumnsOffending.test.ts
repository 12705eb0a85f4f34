import { EventColumns } from "../../../src/codecs/parquet/EventColumns.js"
import type { EventRecord } from "../../../src/domain/EventRecord.js"
import { assert, describe, it } from "../../support/vitest.js"

/** The week 2019-11-01..2019-11-07 as epoch microseconds, end exclusive. */
const FROM = Date.UTC(2019, 10, 1) * 1000
const TO = Date.UTC(2019, 10, 8) * 1000

const record = (overrides: Partial<EventRecord>): EventRecord => ({
  event_time: FROM + 1,
  event_type: "view",
  product_id: "p1",
  category_id: null,
  category_code: null,
  brand: null,
  price: 1.5,
  user_id: "u1",
  user_session: null,
  ...overrides,
})

/**
 * The safety net behind validation: rows that reach the columns are counted against each dataset
 * check, so a row that slipped past validation fails the week instead of reaching the files.
 */
describe("EventColumns.offending", () => {
  const offending = (records: ReadonlyArray<EventRecord>) => {
    const columns = new EventColumns(4)
    for (const r of records) columns.push(r)
    return columns.offending(FROM, TO)
  }

  it("counts nothing for clean rows, a missing price and the first and last microsecond of the week", () => {
    const clean = [
      record({}),
      record({ price: null }),
      record({ price: 0 }),
      record({ event_time: FROM }),
      record({ event_time: TO - 1 }),
    ]
    assert.deepStrictEqual(offending(clean), { nullUserId: 0, outsideWeek: 0, negativePrice: 0 })
  })

  it("counts a null user_id", () => {
    const columns = new EventColumns(4)
    columns.push(record({}))
    // A row without a user_id, column by column as the fast decoder writes one (a record cannot hold it).
    columns.pushNumbers(FROM + 1, 1.5)
    for (const column of [columns.eventType, columns.productId]) column.push("x")
    for (const column of [columns.categoryId, columns.categoryCode, columns.brand, columns.userId, columns.userSession])
      column.push(null)
    columns.commit()
    assert.deepStrictEqual(columns.offending(FROM, TO), { nullUserId: 1, outsideWeek: 0, negativePrice: 0 })
  })

  it("counts an event_time before or after the week (its end is exclusive)", () => {
    const rows = [record({ event_time: FROM - 1 }), record({ event_time: TO }), record({})]
    assert.deepStrictEqual(offending(rows), { nullUserId: 0, outsideWeek: 2, negativePrice: 0 })
  })

  it("counts a negative price, however small", () => {
    const rows = [record({ price: -0.01 }), record({ price: -1e-300 }), record({ price: 0 })]
    assert.deepStrictEqual(offending(rows), { nullUserId: 0, outsideWeek: 0, negativePrice: 2 })
  })
})
