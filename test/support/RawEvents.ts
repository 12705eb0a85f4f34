import { once } from "node:events"
import { createWriteStream } from "node:fs"

/**
 * Lines of `raw.ndjson` shaped like the events API's data (see the ecom events API reference):
 * `" UTC"` timestamps, 19-digit `category_id` JSON numbers, empty brands and category codes,
 * session UUIDs that repeat within a session, users and products that come back, mostly views.
 * Deterministic for a seed. `brokenLines` are the malformed records the emulator also serves.
 */

/** A small, fast, seeded PRNG (mulberry32). */
export const random = (seed: number) => {
  let state = seed >>> 0
  return (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const CATEGORY_CODES = [
  "electronics.smartphone",
  "appliances.kitchen.refrigerators",
  "computers.notebook",
  "apparel.shoes",
  "electronics.audio.headphone",
  "furniture.living_room.sofa",
]
const BRANDS = ["samsung", "apple", "xiaomi", "huawei", "lucente", "sony", "lg", "bosch"]

interface Product {
  readonly id: number
  readonly categoryId: string
  readonly categoryCode: string
  readonly brand: string
  readonly price: string
}

const uuid = (next: () => number): string => {
  const hex = (n: number) => Array.from({ length: n }, () => "0123456789abcdef"[Math.floor(next() * 16)]).join("")
  return `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`
}

/** `2019-11-01 00:00:03 UTC`. */
export const utcText = (epochMs: number): string =>
  `${new Date(epochMs).toISOString().slice(0, 19).replace("T", " ")} UTC`

export interface EventLines {
  /** The next line, without its newline. */
  readonly next: () => string
}

/**
 * Valid events spread evenly over `days` days from `startMs`, `count` of them in time order.
 * Like the real dataset, a session is a burst of a few events of one user among a few thousand
 * sessions open at a time; users come back with new sessions; popular products are seen more.
 */
export const eventLines = (options: { startMs: number; days: number; count: number; seed?: number }): EventLines => {
  const next = random(options.seed ?? 42)
  const products: Array<Product> = Array.from({ length: 5000 }, (_, i) => ({
    id: 1_000_000 + i * 37,
    categoryId: (2053013555631882655n + BigInt(Math.floor(next() * 400) * 1_000_003)).toString(),
    categoryCode: next() < 0.35 ? "" : (CATEGORY_CODES[i % CATEGORY_CODES.length] as string),
    brand: next() < 0.15 ? "" : (BRANDS[i % BRANDS.length] as string),
    price: (1 + next() * 1500).toFixed(2),
  }))
  const users = Math.max(100, Math.floor(options.count / 20))
  const openSession = () => ({
    userId: 510_000_000 + Math.floor(next() ** 2 * users) * 13,
    session: next() < 0.002 ? null : uuid(next),
    left: 1 + Math.floor(-Math.log(1 - next()) * 8),
    product: products[Math.floor(next() ** 1.5 * products.length)] as Product,
  })
  const open = Array.from({ length: 3000 }, openSession)
  const spanMs = options.days * 86_400_000
  let i = 0
  let lastSecond = -1
  let lastText = ""
  return {
    next: () => {
      const slot = Math.floor(next() * open.length)
      const session = open[slot] as ReturnType<typeof openSession>
      if (--session.left <= 0) open[slot] = openSession()
      if (next() < 0.5) session.product = products[Math.floor(next() ** 1.5 * products.length)] as Product
      const { product } = session
      const roll = next()
      const type = roll < 0.9 ? "view" : roll < 0.96 ? "cart" : roll < 0.98 ? "remove_from_cart" : "purchase"
      const second = Math.floor((options.startMs + Math.floor((i++ * spanMs) / options.count)) / 1000)
      if (second !== lastSecond) {
        lastSecond = second
        lastText = utcText(second * 1000)
      }
      const sessionField = session.session === null ? "" : `,"user_session":"${session.session}"`
      return (
        `{"event_time":"${lastText}","event_type":"${type}","product_id":${product.id},` +
        `"category_id":${product.categoryId},"category_code":"${product.categoryCode}","brand":"${product.brand}",` +
        `"price":${product.price},"user_id":${session.userId}${sessionField}}`
      )
    },
  }
}

/**
 * One malformed record of each kind the emulator serves, for a week starting `startMs`, each
 * with the field its reject names (`""` for the record itself).
 */
export const brokenLines = (startMs: number): ReadonlyArray<{ readonly line: string; readonly path: string }> => {
  const at = utcText(startMs + 3_600_000)
  const base = `"event_type":"view","product_id":1004856,"category_id":2053013555631882655,"price":130.76`
  return [
    { line: "this is not json", path: "" },
    { line: `{"event_time":"${at}","event_type":"view"`, path: "" },
    { line: `[{"event_time":"${at}"}]`, path: "" },
    { line: "42", path: "" },
    { line: "", path: "" },
    { line: `{"event_time":"${at}",${base}}`, path: "user_id" },
    { line: `{"event_time":"${at}",${base},"user_id":null}`, path: "user_id" },
    { line: `{"event_time":"not a time",${base},"user_id":1}`, path: "event_time" },
    { line: `{"event_time":"${at}","event_type":"view","price":-5,"user_id":7}`, path: "price" },
    { line: `{"event_time":"${at}","event_type":"view","price":"cheap","user_id":7}`, path: "price" },
    { line: `{"event_time":"${utcText(startMs - 1000)}",${base},"user_id":8}`, path: "event_time" },
    { line: `{"event_time":"${at}","event_type":"","user_id":9}`, path: "event_type" },
    { line: `{"event_time":"${at}","event_type":"view","brand":5,"user_id":9}`, path: "brand" },
  ]
}

/** Writes `lines` lines of `source` to `path`, one a line, streamed. */
export const writeLines = async (path: string, count: number, line: (i: number) => string): Promise<void> => {
  const out = createWriteStream(path)
  let buffer = ""
  for (let i = 0; i < count; i++) {
    buffer += `${line(i)}\n`
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, "drain")
      buffer = ""
    }
  }
  out.end(buffer)
  await once(out, "finish")
}
