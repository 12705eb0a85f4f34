import { epochMsToIsoDate, isoDateToEpochMs } from "../../domain/Week.js"
import { type Catalog, catalogOf, draw, mix32, unit } from "./EcomCatalog.js"

/**
 * Synthetic ecom events, generated record by record from `(seed, window, index)`: the same seed
 * and window always give the same bytes, and a page is built on demand without the rest of the
 * week ever existing. Records come in time order across the window, in the dataset's field order
 * and proportions (mostly views; carts, removes, a few percent purchases).
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

export const MALFORMED_KINDS = [
  "missing_user_id",
  "negative_price",
  "bad_timestamp",
  "outside_week",
  "price_as_string",
  "extra_fields",
] as const
export type MalformedKind = (typeof MALFORMED_KINDS)[number]

/**
 * Whether a validating pipeline should reject a record of each kind. A numeric string price and
 * unknown extra fields are odd but readable: the record is kept.
 */
export const REJECTED: Record<MalformedKind, boolean> = {
  missing_user_id: true,
  negative_price: true,
  bad_timestamp: true,
  outside_week: true,
  price_as_string: false,
  extra_fields: false,
}

export interface Malformed {
  /** 0-based position in the window's record order (its line in `raw.ndjson`). */
  readonly index: number
  readonly kind: MalformedKind
  readonly rejected: boolean
}

const DAY_SECONDS = 86_400

const ascii = (text: string): Uint8Array => Buffer.from(text, "latin1")
const HEX = ascii("0123456789abcdef")
const USER = ascii(',"user_id":')
const SESSION = ascii(',"user_session":')
const NULL = ascii("null")
const EXTRA = ascii(',"source":"mobile_app","experiment":{"id":7,"variant":"B"}')
/** What follows the time of day: the zone, then the event type. */
const TYPES = ["view", "cart", "remove_from_cart", "purchase"].map((type) =>
  ascii(` UTC","event_type":"${type}",`),
) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array]
/** A record's bytes besides the product's: the time and type, user, session and extras at most. */
const MAX_OTHER_BYTES = 256
const QUOTE = 0x22
const COLON = 0x3a

interface Plan {
  readonly data: EcomData
  readonly key: number
  readonly spanSeconds: number
  readonly startSeconds: number
  readonly days: number
  /** `{"event_time":"YYYY-MM-DD ` for each day of the window. */
  readonly dayOpen: ReadonlyArray<Uint8Array>
  /** The same days shifted back by the window's length: dates outside it. */
  readonly outsideOpen: ReadonlyArray<Uint8Array>
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
  const open = (d: number) => ascii(`{"event_time":"${epochMsToIsoDate(startMs + d * dayMs)} `)
  const dayOpen = Array.from({ length: days }, (_, d) => open(d))
  const outsideOpen = Array.from({ length: days }, (_, d) => open(d - days))
  return {
    data,
    key: mix32(data.seed ^ mix32(startMs / dayMs)),
    spanSeconds: days * DAY_SECONDS,
    startSeconds: startMs / 1000,
    days,
    dayOpen,
    outsideOpen,
    users: Math.max(50, Math.ceil(data.eventsPerWeek / 12)),
    catalog: catalogOf(data.seed),
  }
}

/** Records are written as bytes straight into the response buffer: no strings, little garbage. */
const put = (out: Uint8Array, at: number, bytes: Uint8Array): number => {
  out.set(bytes, at)
  return at + bytes.length
}

/** For a few bytes a plain loop is cheaper than a call into TypedArray#set. */
const putShort = (out: Uint8Array, at: number, bytes: Uint8Array): number => {
  for (let i = 0; i < bytes.length; i++) out[at + i] = bytes[i] as number
  return at + bytes.length
}

const putTwo = (out: Uint8Array, at: number, n: number): number => {
  out[at] = 0x30 + Math.floor(n / 10)
  out[at + 1] = 0x30 + (n % 10)
  return at + 2
}

/** A positive integer of exactly `digits` digits. */
const putDigits = (out: Uint8Array, at: number, n: number, digits: number): number => {
  let rest = n
  for (let i = digits - 1; i >= 0; i--) {
    out[at + i] = 0x30 + (rest % 10)
    rest = Math.floor(rest / 10)
  }
  return at + digits
}

const putHex = (out: Uint8Array, at: number, word: number, nibbles: number): number => {
  for (let i = nibbles - 1; i >= 0; i--) out[at++] = HEX[(word >>> (i * 4)) & 0xf] as number
  return at
}

/** A version-4 UUID drawn from `key`, quoted. */
const putUuid = (out: Uint8Array, at: number, key: number): number => {
  const a = draw(key, 1)
  const b = draw(key, 2)
  const c = draw(key, 3)
  const d = draw(key, 4)
  out[at++] = QUOTE
  at = putHex(out, at, a, 8)
  out[at++] = 0x2d
  at = putHex(out, at, b >>> 16, 4)
  out[at++] = 0x2d
  at = putHex(out, at, 0x4000 | (b & 0x0fff), 4)
  out[at++] = 0x2d
  at = putHex(out, at, 0x8000 | ((c >>> 16) & 0x3fff), 4)
  out[at++] = 0x2d
  at = putHex(out, at, c & 0xffff, 4)
  at = putHex(out, at, d, 8)
  out[at++] = QUOTE
  return at
}

const eventType = (r: number): Uint8Array => TYPES[r < 0.88 ? 0 : r < 0.95 ? 1 : r < 0.97 ? 2 : 3]

const recordBase = (plan: Plan, index: number) => mix32(plan.key ^ mix32(index))

const malformedKind = (plan: Plan, base: number): MalformedKind | undefined =>
  plan.data.malformedPct > 0 && unit(base, 9) * 100 < plan.data.malformedPct
    ? MALFORMED_KINDS[draw(base, 10) % MALFORMED_KINDS.length]
    : undefined

/** Writes record `index` at `at`, answering where it ends. */
const writeRecord = (plan: Plan, index: number, out: Uint8Array, start: number): number => {
  const base = recordBase(plan, index)
  const kind = malformedKind(plan, base)
  const second = Math.floor(((index + unit(base, 1)) * plan.spanSeconds) / plan.data.eventsPerWeek)
  const day = Math.min(plan.days - 1, Math.floor(second / DAY_SECONDS))
  const ofDay = second - day * DAY_SECONDS
  let at = put(out, start, (kind === "outside_week" ? plan.outsideOpen[day] : plan.dayOpen[day]) as Uint8Array)
  at = putTwo(out, at, kind === "bad_timestamp" ? 25 : Math.floor(ofDay / 3600))
  out[at++] = COLON
  at = putTwo(out, at, Math.floor(ofDay / 60) % 60)
  out[at++] = COLON
  at = putTwo(out, at, ofDay % 60)
  at = put(out, at, eventType(unit(base, 5)))

  const catalog = plan.catalog
  const product = Math.floor(catalog.size * unit(base, 2) ** 2)
  if (kind === "negative_price" || kind === "price_as_string") {
    at = put(out, at, catalog.head[product] as Uint8Array)
    out[at++] = kind === "negative_price" ? 0x2d : QUOTE
    at = putShort(out, at, catalog.price[product] as Uint8Array)
    if (kind === "price_as_string") out[at++] = QUOTE
  } else {
    at = put(out, at, catalog.full[product] as Uint8Array)
  }

  const user = Math.floor(plan.users * unit(base, 3) ** 1.4)
  // Nine digits up to 170 million users, which no week comes near.
  if (kind !== "missing_user_id") at = putDigits(out, putShort(out, at, USER), 510_000_000 + user * 3 + 1, 9)
  at = putShort(out, at, SESSION)
  // A session is a user's three-hour slot of the real calendar, so it spans pages but not weeks.
  const slot = Math.floor((plan.startSeconds + second) / 10_800)
  at =
    unit(base, 4) < 0.003
      ? putShort(out, at, NULL)
      : putUuid(out, at, mix32(plan.data.seed ^ mix32(user) ^ mix32(slot + 7)))
  if (kind === "extra_fields") at = put(out, at, EXTRA)
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
