import fc from "fast-check"
import { datasetLine, objectLine } from "./EventLineArbitraries.js"
import { invalidUtf8, protoValue } from "./HostileLineArbitraries.js"

/**
 * Response bodies of the events API, usable or not, with what the extract must make of them: a
 * usable page's records as `raw.ndjson` must hold them (byte for byte, whitespace outside strings
 * dropped), or the page that must fail the week.
 */

const bytes = (text: string) => Buffer.from(text, "utf8")

/** A record's JSON text as bytes; valid JSON, though not always UTF-8 inside its strings. */
export interface PageRecord {
  readonly bytes: Uint8Array
}

/** JSON values a record may hold that are valid JSON but hard on a parser or a copier. */
const awkwardValue = fc.oneof(
  protoValue,
  fc.constantFrom(
    '"\\ud800"',
    '"\\udfff\\ud800"',
    '"\\u0000\\n\\"\\\\\\/"',
    '"\u2028\u2029\ufeff"',
    "1e309",
    "-1e309",
    "1E-400",
    "-0.0e0",
    "123456789012345678901234567890",
    "2053013555631882655",
    "[]",
    "{}",
    '"]},{\\""',
  ),
  fc.integer({ min: 1, max: 200 }).map((depth) => `${"[".repeat(depth)}0${"]".repeat(depth)}`),
)

const awkwardRecord = fc
  .record({
    key: fc.constantFrom("__proto__", "constructor", "prototype", "data", "total", "meta", "user_id", "é"),
    value: awkwardValue,
    raw: fc.option(invalidUtf8, { freq: 3 }),
  })
  .map(({ key, value, raw }) =>
    raw === null
      ? bytes(`{"event_time":"2019-12-02 10:00:00 UTC",${JSON.stringify(key)}:${value}}`)
      : Buffer.concat([bytes('{"brand":"x'), Buffer.from(raw), bytes('y","user_id":1}')]),
  )

/** Whitespace JSON allows between tokens, line breaks included: a record may span lines. */
const SPACES = [" ", "\n", "\r\n", "\t", "\n  "]

/** Spreads a record over lines: whitespace after structural characters outside strings. */
const spread = (record: Uint8Array, seed: number): Uint8Array => {
  const out: Array<number> = []
  let inString = false
  let n = seed
  for (let i = 0; i < record.length; i++) {
    const c = record[i] as number
    out.push(c)
    if (inString) {
      if (c === 0x5c) out.push(record[++i] as number)
      else if (c === 0x22) inString = false
    } else if (c === 0x22) {
      inString = true
    } else if (c === 0x7b || c === 0x5b || c === 0x2c || c === 0x3a) {
      n = (n * 1103515245 + 12345) & 0x7fffffff
      if (n % 3 === 0) out.push(...bytes(SPACES[n % SPACES.length] as string))
    }
  }
  return Uint8Array.from(out)
}

/** The record as `raw.ndjson` holds it: whitespace outside strings dropped, nothing else touched. */
export const compacted = (record: Uint8Array): Uint8Array => {
  const out: Array<number> = []
  let inString = false
  for (let i = 0; i < record.length; i++) {
    const c = record[i] as number
    if (inString) {
      out.push(c)
      if (c === 0x5c) out.push(record[++i] as number)
      else if (c === 0x22) inString = false
    } else if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) {
      if (c === 0x22) inString = true
      out.push(c)
    }
  }
  return Uint8Array.from(out)
}

export const pageRecord: fc.Arbitrary<PageRecord> = fc
  .tuple(
    fc.oneof(datasetLine.map(bytes), objectLine.map(bytes), awkwardRecord),
    fc.option(fc.integer({ min: 0, max: 1_000_000 }), { freq: 3 }),
  )
  .map(([record, seed]) => ({ bytes: seed === null ? record : spread(record, seed) }))

/** How a page says how many records the week has: right, wrong, or in a form that does not count. */
export type TotalSpec = "none" | "right" | "low" | "high" | "not-a-total"

/** A usable page: its records and how the body wraps them. */
export interface GoodPage {
  readonly kind: "good"
  readonly records: ReadonlyArray<PageRecord>
  readonly envelope: "bare" | "data" | "events" | "results" | "items"
  readonly total: TotalSpec
  readonly bom: boolean
  readonly decoys: boolean
}

/** A page that must fail the week, with what is wrong with it. */
export interface BrokenPage {
  readonly kind: "broken"
  readonly what: string
  readonly body: Uint8Array
}

export type Page = GoodPage | BrokenPage

/** The total a body states, given the week's true record count; undefined when it states none that counts. */
const statedTotal = (spec: TotalSpec, truth: number): number | undefined =>
  spec === "right" ? truth : spec === "low" ? Math.max(0, truth - 2) : spec === "high" ? truth + 3 : undefined

/** The total a usable page states (a bare array has no room for one). */
export const pageTotal = (page: GoodPage, truth: number): number | undefined =>
  page.envelope === "bare" ? undefined : statedTotal(page.total, truth)

const totalMember = (spec: TotalSpec, truth: number): Array<string> => {
  const stated = statedTotal(spec, truth)
  if (stated !== undefined) return [`"meta":{"page":1,"total":${stated}}`]
  if (spec === "not-a-total") {
    return [`"meta":{"__proto__":{"total":${truth}},"total":-1,"total_count":1.5,"totalCount":"12x"}`]
  }
  return []
}

/** The body of a usable page; `truth` is the week's true record count, for a total that states it. */
export const goodBody = (page: GoodPage, truth: number): Uint8Array => {
  const records = Buffer.concat(page.records.flatMap((r, i) => [i === 0 ? bytes("") : bytes(" ,\n"), r.bytes]))
  const array = Buffer.concat([bytes("[\n"), records, bytes("\n]")])
  const bom = page.bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0)
  if (page.envelope === "bare") return Buffer.concat([bom, array])
  // Decoys: envelope keys that hold no array, nested envelopes, and an array under a key after
  // the records (the first array under an envelope key is the page's).
  const before = page.decoys ? ['"items":"none"', '"note":{"data":[1,2]}', '"events":null'] : []
  const after = page.decoys ? ['"results":[{"not":"a record of this page"}]'] : []
  const members = [...before, ...totalMember(page.total, truth)]
  return Buffer.concat([
    bom,
    bytes(`{${members.map((m) => `${m},`).join("")}"${page.envelope}":`),
    array,
    bytes(`${after.map((m) => `,${m}`).join("")}}`),
  ])
}

export const goodPage = (records: fc.Arbitrary<ReadonlyArray<PageRecord>>): fc.Arbitrary<GoodPage> =>
  fc.record({
    kind: fc.constant("good" as const),
    records,
    envelope: fc.constantFrom("bare", "data", "events", "results", "items"),
    total: fc.constantFrom<TotalSpec>("none", "none", "right", "low", "high", "not-a-total"),
    bom: fc.boolean(),
    decoys: fc.boolean(),
  })

const isJson = (text: string) => {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

/** Bodies no events API page can be read from. */
export const brokenPage = (truncatable: fc.Arbitrary<Uint8Array>): fc.Arbitrary<BrokenPage> =>
  fc.oneof(
    truncatable.chain((body) =>
      fc
        .nat({ max: body.length - 1 })
        .map((n) => ({ kind: "broken" as const, what: "truncated", body: body.subarray(0, n) })),
    ),
    fc
      .constantFrom(
        '{"data":{"event_time":"2019-12-02 10:00:00 UTC"}}',
        '{"data":"[{}]"}',
        '{"data":null,"meta":{"total":3}}',
        '{"events":{},"items":7}',
        '{"meta":{"total":5}}',
        '{"__proto__":[{"a":1}]}',
        "{}",
        "null",
        "42",
        '"[]"',
      )
      .map((body) => ({ kind: "broken" as const, what: "no records array", body: bytes(body) })),
    fc
      .constantFrom(
        "",
        "<html><body>502 Bad Gateway</body></html>",
        "[]x",
        "[1,]",
        "[01]",
        '[{"price":NaN}]',
        '[{"price":Infinity}]',
        '[{"price":-Infinity}]',
        "[{'a':1}]",
        '[{"a":"\u0001"}]',
        '[{"a":"\\q"}]',
        '[{"a":"\\u12"}]',
        '[{"a" 1}]',
        "[1] [2]",
        '{"data":[{}]}}',
        `[${"[".repeat(300)}${"]".repeat(300)}]`,
      )
      .map((body) => ({ kind: "broken" as const, what: "not JSON", body: bytes(body) })),
    fc
      .string({ maxLength: 80 })
      .filter((text) => !isJson(text))
      .map((text) => ({ kind: "broken" as const, what: "garbage", body: bytes(text) })),
    fc
      .uint8Array({ minLength: 0, maxLength: 200 })
      .map((raw) => ({ kind: "broken" as const, what: "binary", body: Buffer.concat([Buffer.from([0xff]), raw]) })),
  )

/**
 * How many pages the extract counts, by its documented rule: the week ends at an empty page; with
 * a total (the latest page's that states one), when the total is reached, and never past the
 * page the first page's size says is the last; without one, at a page shorter than asked for.
 */
export const pagesCounted = (
  pages: ReadonlyArray<{ readonly records: number; readonly total: number | undefined }>,
  pageSize: number,
): number => {
  const at = (n: number) => pages[n - 1] ?? { records: 0, total: undefined }
  let rows = 0
  let total: number | undefined
  const ends = (n: number) => {
    const page = at(n)
    rows += page.records
    total = page.total ?? total
    return total === undefined ? page.records < pageSize : page.records === 0 || rows >= total
  }
  if (ends(1)) return 1
  const firstRecords = at(1).records
  const last = total === undefined ? Number.POSITIVE_INFINITY : Math.ceil(total / firstRecords)
  for (let n = 2; ; n++) {
    if (n > last) return n - 1
    if (ends(n)) return n
  }
}
