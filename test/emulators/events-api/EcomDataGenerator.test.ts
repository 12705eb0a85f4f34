import { Either } from "effect"
import { decodeEventRecord } from "../../../src/domain/EventRecord.js"
import { parseEventTime } from "../../../src/domain/EventTime.js"
import { parseWeek } from "../../../src/domain/Week.js"
import {
  MALFORMED_KINDS,
  malformationAt,
  malformedRecords,
  pageBody,
  pageRecords,
} from "../../../src/emulators/events-api/EcomDataGenerator.js"
import { assert, describe, it } from "../../support/vitest.js"

const week = Either.getOrThrow(parseWeek("2019-11-03", "2019-11-09"))
const window = { start: week.start, end: week.end }
const data = { seed: 5, eventsPerWeek: 4_000, malformedPct: 0 }

/** Parses a record keeping big integers as their text, as the pipeline's lossless reader would. */
const loose = (record: string) =>
  JSON.parse(record.replace(/"category_id":(\d+)/, '"category_id":"$1"')) as Record<string, unknown>

describe("EcomDataGenerator", () => {
  it("gives the same bytes for the same seed and window, other bytes for another seed or week", () => {
    const a = pageRecords(data, window, 2, 100)
    assert.deepStrictEqual(pageRecords(data, window, 2, 100), a)
    assert.notDeepEqual(pageRecords({ ...data, seed: 6 }, window, 2, 100), a)
    assert.notDeepEqual(pageRecords(data, { start: "2019-11-10", end: "2019-11-16" }, 2, 100), a)
  })

  it("pages the window: full pages, a partial last one, then nothing", () => {
    assert.strictEqual(pageRecords(data, window, 1, 1000).length, 1000)
    assert.strictEqual(pageRecords({ ...data, eventsPerWeek: 2_500 }, window, 3, 1000).length, 500)
    assert.strictEqual(pageRecords(data, window, 5, 1000).length, 0)
    // Paging does not change the records: two pages of 50 are one page of 100.
    assert.deepStrictEqual(
      [...pageRecords(data, window, 3, 50), ...pageRecords(data, window, 4, 50)],
      pageRecords(data, window, 2, 100),
    )
  })

  it("writes the body as the records joined in a JSON array, inside the envelope asked for", () => {
    const body = new TextDecoder().decode(pageBody(data, window, 1, 3, '{"items":[', "]}"))
    assert.strictEqual(body, `{"items":[${pageRecords(data, window, 1, 3).join(",")}]}`)
  })

  it("has the dataset's shape: valid records, in time order within the week, mostly views", () => {
    const records = pageRecords(data, window, 1, 4_000)
    const types = new Map<string, number>()
    let previous = 0
    let emptyBrands = 0
    let emptyCodes = 0
    for (const record of records) {
      const decoded = decodeEventRecord(loose(record))
      assert.isTrue(Either.isRight(decoded), record)
      const event = Either.getOrThrow(decoded)
      assert.isTrue(week.containsMicros(event.event_time), record)
      assert.isAtLeast(event.event_time, previous)
      previous = event.event_time
      assert.isAtLeast(event.price ?? 0, 0)
      assert.match(record, /"event_time":"2019-11-0\d \d\d:\d\d:\d\d UTC"/)
      assert.match(record, /"category_id":\d{19},/, "a 19-digit JSON number, not a string")
      assert.match(
        record,
        /"user_session":("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"|null)/,
      )
      types.set(event.event_type, (types.get(event.event_type) ?? 0) + 1)
      if (event.brand === null) emptyBrands++
      if (event.category_code === null) emptyCodes++
    }
    const share = (type: string) => (types.get(type) ?? 0) / records.length
    assert.isAbove(share("view"), 0.8)
    assert.isAbove(share("cart"), 0.03)
    assert.isAbove(share("remove_from_cart"), 0.005)
    assert.isAbove(share("purchase"), 0.01)
    assert.isBelow(share("purchase"), 0.06)
    assert.isAbove(emptyBrands, 0)
    assert.isAbove(emptyCodes, 0)
    // Returning customers: far fewer users than events.
    assert.isBelow(new Set(records.map((r) => loose(r).user_id)).size, records.length / 2)
  })

  it("makes the share of malformed records asked for, and says which and how", () => {
    const dirty = { ...data, malformedPct: 10 }
    const records = pageRecords(dirty, window, 1, 4_000)
    const malformed = [...malformedRecords(dirty, window)]
    assert.isAbove(malformed.length, 300)
    assert.isBelow(malformed.length, 500)
    assert.deepStrictEqual(new Set(malformed.map((m) => m.kind)), new Set(MALFORMED_KINDS))
    const bad = new Set(malformed.map((m) => m.index))
    const clean = pageRecords(data, window, 1, 4_000)
    for (let index = 0; index < records.length; index++) {
      if (!bad.has(index)) assert.strictEqual(records[index], clean[index])
    }
    for (const { index, kind, rejected } of malformed) {
      const record = records[index] as string
      assert.strictEqual(malformationAt(dirty, window, index), kind)
      const decoded = decodeEventRecord(loose(record))
      const outside = Either.isRight(decoded) && !week.containsMicros(decoded.right.event_time)
      assert.strictEqual(Either.isLeft(decoded) || outside, rejected, `${kind}: ${record}`)
      if (kind === "missing_user_id") assert.notInclude(record, '"user_id"')
      if (kind === "negative_price") assert.match(record, /"price":-\d/)
      if (kind === "bad_timestamp") assert.isUndefined(parseEventTime(String(loose(record).event_time)))
      if (kind === "outside_week") assert.isTrue(outside)
      if (kind === "price_as_string") assert.match(record, /"price":"\d+\.\d\d"/)
      if (kind === "extra_fields") assert.include(record, '"source":"mobile_app"')
    }
  })
})
