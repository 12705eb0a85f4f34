import { epochMsToIsoDate, isoDateToEpochMs } from "../../domain/Week.js"
import { ascii, put, putDigits, putId, putShort, putTwo, putUuid, QUOTE } from "./EcomBytes.js"
import { type Catalog, catalogOf, draw, mix32, unit } from "./EcomCatalog.js"
import { MALFORMED_KINDS, type Malformed, type MalformedKind, REJECTED } from "./EcomMalformed.js"

/**
 * Synthetic ecom events, generated record by record from `(seed, window, index)`: the same seed
 * and window always give the same bytes, and a page is built on demand without the rest of the
 * week ever existing. Records come in time order across the window, in the dataset's field order
 * and proportions (mostly views; carts, removes, a few percent purchases), with the REES46
 * dataset's cardinality: per million events about 146,000 users, 235,000 sessions and 50,000
 * products. As several producers send them: 80% of the times are `2019-11-01 00:00:03 UTC`, the
 * rest ISO-8601 with `Z` or `+00:00`; a tenth of the records have their ids as JSON strings; a
 * sixth carry fields a reader ignores.
 */
export interface EcomData {
  readonly seed: number
  /** Records in one requested window (a week). */
  readonly eventsPerWeek: number
  /** Share of malformed records, 0–100. */
  readonly malformedPct: number
}

/** The window a request asks for, inclusive `YYYY-MM-DD` dates (a `Week` fits). */
export interface DataWindow {
  readonly start: string
  readonly end: string
}

const DAY_SECONDS = 86_400

const PRODUCT = ascii('"product_id":')
const CATEGORY = ascii(',"category_id":')
const CODE = ascii(',"category_code":"')
const BRAND = ascii('","brand":"')
const PRICE = ascii('","price":')
const USER = ascii(',"user_id":')
const SESSION = ascii(',"user_session":')
const NULL = ascii("null")
const MALFORMED_EXTRA = ascii(',"source":"mobile_app","experiment":{"id":7,"variant":"B"}')
/** Fields other producers add, which a reader ignores: on a sixth of the records. */
const EXTRAS = [
  ',"source":"mobile_app"',
  ',"source":"web","app_version":"5.12.0"',
  ',"platform":"android","app_version":"5.11.2","ab_group":3',
  ',"referrer":null,"page":2',
  ',"geo":{"country":"UA","city":"Kyiv"}',
  ',"tags":["promo","sale"],"source":"email"',
].map(ascii)
const EXTRA_SHARE = 1 / 6
/** Records whose ids (product, category, user) are JSON strings, as some producers send them. */
const STRING_IDS_SHARE = 0.1
/** The dataset's `2019-11-01 00:00:03 UTC` on 80% of the records, ISO with `Z` or `+00:00` on the rest. */
const ZONES = [" UTC", "Z", "+00:00"] as const
const SEPARATORS = [0x20, 0x54, 0x54] as const
const EVENT_TYPES = ["view", "cart", "remove_from_cart", "purchase"] as const
/** What follows the time of day, by zone and event type: the zone, then the event type. */
const TYPES = ZONES.map((zone) => EVENT_TYPES.map((type) => ascii(`${zone}","event_type":"${type}",`)))
/** A record's bytes besides its product's: time and type, user, session, quotes and extras at most. */
const MAX_OTHER_BYTES = 320
const COLON = 0x3a

/**
 * A week of the dataset has about 4.2 events a session and 7 a user: each stretch of half an hour
 * (a block of records) has its sessions, each record belongs to one of its block's, and a session
 * belongs to a user drawn from a pool sized so that users come back about 1.6 times a week.
 */
const EVENTS_PER_SESSION = 4.2
const EVENTS_PER_POOL_USER = 4.4
const BLOCK_SECONDS = 1_800
const MIN_BLOCK_EVENTS = 50

interface Plan {
  readonly data: EcomData
  readonly key: number
  readonly spanSeconds: number
  readonly days: number
  /** `{"event_time":"YYYY-MM-DD` for each day of the window. */
  readonly dayOpen: ReadonlyArray<Uint8Array>
  /** The same days shifted back by the window's length: dates outside it. */
  readonly outsideOpen: ReadonlyArray<Uint8Array>
  readonly blocks: number
  readonly sessionsPerBlock: number
  readonly users: number
  readonly catalog: Catalog
}

const planOf = (data: EcomData, window: DataWindow): Plan => {
  const startMs = isoDateToEpochMs(window.start)
  const endMs = isoDateToEpochMs(window.end)
  if (startMs === undefined || endMs === undefined || endMs < startMs) {
    throw new RangeError(`not a window: ${window.start}..${window.end}`)
  }
  const dayMs = DAY_SECONDS * 1000
  const days = Math.round((endMs - startMs) / dayMs) + 1
  const open = (d: number) => ascii(`{"event_time":"${epochMsToIsoDate(startMs + d * dayMs)}`)
  const events = data.eventsPerWeek
  const blocks = Math.max(1, Math.min((days * DAY_SECONDS) / BLOCK_SECONDS, Math.floor(events / MIN_BLOCK_EVENTS)))
  return {
    data,
    key: mix32(data.seed ^ mix32(startMs / dayMs)),
    spanSeconds: days * DAY_SECONDS,
    days,
    dayOpen: Array.from({ length: days }, (_, d) => open(d)),
    outsideOpen: Array.from({ length: days }, (_, d) => open(d - days)),
    blocks,
    sessionsPerBlock: Math.max(1, Math.round(events / blocks / EVENTS_PER_SESSION)),
    users: Math.max(10, Math.round(events / EVENTS_PER_POOL_USER)),
    catalog: catalogOf(data.seed),
  }
}

/** Mostly views; carts, removes, a few percent purchases. */
const eventType = (r: number): number => (r < 0.88 ? 0 : r < 0.95 ? 1 : r < 0.97 ? 2 : 3)

const zoneOf = (r: number): number => (r < 0.8 ? 0 : r < 0.9 ? 1 : 2)

const recordBase = (plan: Plan, index: number) => mix32(plan.key ^ mix32(index))

const malformedKind = (plan: Plan, base: number): MalformedKind | undefined =>
  plan.data.malformedPct > 0 && unit(base, 9) * 100 < plan.data.malformedPct
    ? MALFORMED_KINDS[draw(base, 10) % MALFORMED_KINDS.length]
    : undefined

/** A product by popularity: a few are seen often, most now and then. */
const popular = (catalog: Catalog, u: number): number => Math.floor(catalog.size * u * u)

/** The session of record `index`: one of its block's, and so within half an hour of its other records. */
const sessionOf = (plan: Plan, index: number, base: number): number => {
  const block = Math.floor((index * plan.blocks) / plan.data.eventsPerWeek)
  return mix32(mix32(plan.key ^ 0x243f6a88 ^ block) + Math.floor(plan.sessionsPerBlock * unit(base, 6)))
}

/** Writes the time and type of record `index`, answering where they end. */
const writeTime = (
  plan: Plan,
  index: number,
  base: number,
  kind: MalformedKind | undefined,
  out: Uint8Array,
  at: number,
) => {
  const second = Math.floor(((index + unit(base, 1)) * plan.spanSeconds) / plan.data.eventsPerWeek)
  const day = Math.min(plan.days - 1, Math.floor(second / DAY_SECONDS))
  const ofDay = second - day * DAY_SECONDS
  const zone = zoneOf(unit(base, 11))
  at = put(out, at, (kind === "outside_week" ? plan.outsideOpen[day] : plan.dayOpen[day]) as Uint8Array)
  out[at++] = SEPARATORS[zone] as number
  at = putTwo(out, at, kind === "bad_timestamp" ? 25 : Math.floor(ofDay / 3600))
  out[at++] = COLON
  at = putTwo(out, at, Math.floor(ofDay / 60) % 60)
  out[at++] = COLON
  at = putTwo(out, at, ofDay % 60)
  return put(out, at, (TYPES[zone] as Array<Uint8Array>)[eventType(unit(base, 5))] as Uint8Array)
}

/** Writes record `index` at `at`, answering where it ends. */
const writeRecord = (plan: Plan, index: number, out: Uint8Array, start: number): number => {
  const base = recordBase(plan, index)
  const kind = malformedKind(plan, base)
  let at = writeTime(plan, index, base, kind, out, start)
  const session = sessionOf(plan, index, base)
  const quoted = unit(base, 12) < STRING_IDS_SHARE

  const catalog = plan.catalog
  // Half of a session's records are about the product it came for.
  const product = popular(catalog, unit(base, 7) < 0.5 ? unit(session, 7) : unit(base, 2))
  const category = catalog.categoryOf[product] as number
  const brand = catalog.brandOf[product] as number
  at = putId(out, putShort(out, at, PRODUCT), catalog.productId[product] as Uint8Array, quoted)
  at = putId(out, putShort(out, at, CATEGORY), catalog.categoryId[category] as Uint8Array, quoted)
  at = putShort(out, putShort(out, at, CODE), catalog.categoryCode[category] as Uint8Array)
  at = putShort(out, at, BRAND)
  if (brand >= 0) at = putShort(out, at, catalog.brand[brand] as Uint8Array)
  at = putShort(out, at, PRICE)
  if (kind === "negative_price") out[at++] = 0x2d
  at = putId(out, at, catalog.price[product] as Uint8Array, kind === "price_as_string")

  // Nine digits up to 160 million users, which no week comes near.
  const user = draw(session, 8) % plan.users
  if (kind !== "missing_user_id") {
    at = putShort(out, at, USER)
    if (quoted) out[at++] = QUOTE
    at = putDigits(out, at, 510_000_000 + user * 3 + 1, 9)
    if (quoted) out[at++] = QUOTE
  }
  at = putShort(out, at, SESSION)
  at = unit(base, 4) < 0.003 ? putShort(out, at, NULL) : putUuid(out, at, session)
  if (kind === "extra_fields") at = put(out, at, MALFORMED_EXTRA)
  else if (unit(base, 13) < EXTRA_SHARE) at = put(out, at, EXTRAS[draw(base, 14) % EXTRAS.length] as Uint8Array)
  out[at++] = 0x7d
  return at
}

/** The `[from, to)` record indexes of a page (pages start at 1). */
export const pageRange = (data: EcomData, page: number, pageSize: number): readonly [number, number] => {
  const from = Math.min((page - 1) * pageSize, data.eventsPerWeek)
  return [from, Math.min(from + pageSize, data.eventsPerWeek)]
}

/** The exact JSON text of every record of a page, as the emulator serves them. */
export const pageRecords = (
  data: EcomData,
  window: DataWindow,
  page: number,
  pageSize: number,
): ReadonlyArray<string> => {
  const plan = planOf(data, window)
  const [from, to] = pageRange(data, page, pageSize)
  const line = Buffer.allocUnsafe(plan.catalog.longest + MAX_OTHER_BYTES)
  const records: Array<string> = []
  for (let i = from; i < to; i++) records.push(line.toString("latin1", 0, writeRecord(plan, i, line, 0)))
  return records
}

/**
 * Record `index` of the window as the API serves it, one at a time: for tests and benchmarks that
 * write `raw.ndjson` as the extract would.
 */
export const recordTexts = (data: EcomData, window: DataWindow): ((index: number) => string) => {
  const plan = planOf(data, window)
  const line = Buffer.allocUnsafe(plan.catalog.longest + MAX_OTHER_BYTES)
  return (index) => line.toString("latin1", 0, writeRecord(plan, index, line, 0))
}

/** Records `[from, to)` of the window, each ended by a newline: a stretch of the week's `raw.ndjson`. */
export const ndjsonLines = (data: EcomData, window: DataWindow, from: number, to: number): Uint8Array => {
  const plan = planOf(data, window)
  const out = Buffer.allocUnsafe(Math.max(0, to - from) * (plan.catalog.longest + MAX_OTHER_BYTES + 1))
  let at = 0
  for (let i = from; i < to; i++) {
    at = writeRecord(plan, i, out, at)
    out[at++] = 0x0a
  }
  return out.subarray(0, at)
}

/** A page's body: `prefix`, the records joined by commas, `suffix` (the envelope around the array). */
export const pageBody = (
  data: EcomData,
  window: DataWindow,
  page: number,
  pageSize: number,
  prefix: string,
  suffix: string,
): Uint8Array => {
  const plan = planOf(data, window)
  const [from, to] = pageRange(data, page, pageSize)
  const out = Buffer.allocUnsafe(prefix.length + suffix.length + (to - from) * (plan.catalog.longest + MAX_OTHER_BYTES))
  let at = out.write(prefix, 0, "latin1")
  for (let i = from; i < to; i++) {
    if (i > from) out[at++] = 0x2c
    at = writeRecord(plan, i, out, at)
  }
  at += out.write(suffix, at, "latin1")
  return out.subarray(0, at)
}

/** What is wrong with the record at `index`, or `undefined` when it is well formed. */
export const malformationAt = (data: EcomData, window: DataWindow, index: number): MalformedKind | undefined => {
  const plan = planOf(data, window)
  return malformedKind(plan, recordBase(plan, index))
}

/**
 * Every malformed record of a window, in order, with what is wrong with it and whether a
 * validator should reject it: the expected rejects of a run. Computed lazily, one record at a
 * time.
 */
export function* malformedRecords(data: EcomData, window: DataWindow): Generator<Malformed> {
  const plan = planOf(data, window)
  for (let index = 0; index < data.eventsPerWeek; index++) {
    const kind = malformedKind(plan, recordBase(plan, index))
    if (kind !== undefined) yield { index, kind, rejected: REJECTED[kind] }
  }
}
