import { Either } from "effect"
import { decodeEventRecord } from "../../../src/domain/EventRecord.js"
import { parseEventTime } from "../../../src/domain/EventTime.js"
import { parseWeek } from "../../../src/domain/Week.js"
import {
  malformationAt,
  malformedRecords,
  pageBody,
  pageRecords,
} from "../../../src/emulators/events-api/EcomDataGenerator.js"
import { MALFORMED_KINDS } from "../../../src/emulators/events-api/EcomMalformed.js"
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
    for (const record of records) {
      const decoded = decodeEventRecord(loose(record))
      assert.isTrue(Either.isRight(decoded), record)
      const event = Either.getOrThrow(decoded)
      assert.isTrue(week.containsMicros(event.event_time), record)
      assert.isAtLeast(event.event_time, previous)
      previous = event.event_time
      assert.isAtLeast(event.price ?? 0, 0)
      assert.match(record, /"event_time":"2019-11-0\d(?: \d\d:\d\d:\d\d UTC|T\d\d:\d\d:\d\d(?:Z|\+00:00))"/)
      assert.match(record, /"category_id":(\d{19}|"\d{19}"),/, "19 digits, as a JSON number or a string")
      assert.match(
        record,
        /"user_session":("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"|null)/,
      )
      types.set(event.event_type, (types.get(event.event_type) ?? 0) + 1)
    }
    const share = (type: string) => (types.get(type) ?? 0) / records.length
    assert.isAbove(share("view"), 0.8)
    assert.isAbove(share("cart"), 0.03)
    assert.isAbove(share("remove_from_cart"), 0.005)
    assert.isAbove(share("purchase"), 0.01)
    assert.isBelow(share("purchase"), 0.06)
  })

  it("has the dataset's cardinality and the variations of several producers", () => {
    // Read with JSON.parse alone (ids kept as text), not the pipeline's decoder.
    const events = 100_000
    const week100k = { ...data, eventsPerWeek: events }
    const rows = Array.from({ length: events / 1000 }, (_, p) => pageRecords(week100k, window, p + 1, 1000)).flat()
    const parsed = rows.map((record) => JSON.parse(record.replace(/"category_id":(\d+)/, '"category_id":"$1"')))
    const distinct = (field: string) => new Set(parsed.map((r) => String(r[field]))).size
    const shareOf = (test: (record: string, r: Record<string, unknown>) => boolean) =>
      rows.filter((record, i) => test(record, parsed[i])).length / events
    const perUser = events / distinct("user_id")
    const perSession = events / distinct("user_session")
    assert.isTrue(perUser > 6 && perUser < 8, `events per user ${perUser}`)
    assert.isTrue(perSession > 4 && perSession < 5, `events per session ${perSession}`)
    assert.isAbove(distinct("product_id"), 20_000)
    assert.isAbove(distinct("brand"), 1_000)
    assert.isBelow(distinct("brand"), 5_000)
    assert.strictEqual(distinct("category_code"), 131, "130 codes and the empty one")
    const near = (value: number, target: number, by: number, what: string) =>
      assert.isTrue(Math.abs(value - target) < by, `${what}: ${value}, expected about ${target}`)
    near(
      shareOf((_, r) => r.category_code === ""),
      1 / 3,
      0.05,
      "records without a category code",
    )
    near(
      shareOf((_, r) => r.brand === ""),
      0.15,
      0.03,
      "records without a brand",
    )
    near(
      shareOf((_, r) => String(r.event_time).endsWith(" UTC")),
      0.8,
      0.01,
      "times in UTC text",
    )
    near(
      shareOf((_, r) => String(r.event_time).endsWith("Z")),
      0.1,
      0.01,
      "ISO times with Z",
    )
    near(
      shareOf((_, r) => String(r.event_time).endsWith("+00:00")),
      0.1,
      0.01,
      "ISO times with +00:00",
    )
    near(
      shareOf((record) => /"user_id":"/.test(record)),
      0.1,
      0.01,
      "ids as strings",
    )
    near(
      shareOf((_, r) => Object.keys(r).length > 9),
      1 / 6,
      0.01,
      "records with extra fields",
    )
    // A session is one user's, and its records are within half an hour of each other.
    const sessions = new Map<string, { user: string; first: number; last: number }>()
    for (const r of parsed) {
      if (r.user_session === null) continue
      const at = Date.parse(String(r.event_time).replace(" UTC", "Z").replace(" ", "T"))
      const seen = sessions.get(r.user_session) ?? { user: String(r.user_id), first: at, last: at }
      assert.strictEqual(seen.user, String(r.user_id))
      sessions.set(r.user_session, { ...seen, last: at })
    }
    assert.isAtMost(Math.max(...[...sessions.values()].map((s) => s.last - s.first)), 1_800_000)
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
