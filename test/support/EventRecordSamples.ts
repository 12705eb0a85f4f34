import type { EventRecord } from "../../src/domain/EventRecord.js"

export const WEEK_START_MICROS = Date.UTC(2019, 10, 1) * 1000

/** A small deterministic generator (a 32-bit LCG), so the records are the same every run. */
const random = (seed: number) => {
  let state = seed >>> 0
  return (n: number) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state % n
  }
}

const TEXTS = ["", "a", "Z", "café", "日本語", "emoji 🎉", "apple", "samsung", "~tilde", "A long brand name ".repeat(3)]

/**
 * Records of every kind a row group holds: nulls in each nullable column, text that is not
 * ASCII, repeated values (dictionary-encoded) and unique ones (plain), prices null, zero, tiny
 * and huge. With `wide`, each session is long and unique: the column spans more than one page.
 */
export const records = (seed: number, count: number, wide = false): Array<EventRecord> => {
  const next = random(seed)
  return Array.from({ length: count }, (_, i) => {
    const pick = (nullOneIn: number) => (next(nullOneIn) === 0 ? null : (TEXTS[next(TEXTS.length)] as string))
    const price = next(7)
    return {
      event_time: WEEK_START_MICROS + next(7 * 86_400) * 1_000_000 + next(1000) * 1000,
      event_type: ["view", "cart", "purchase", "remove_from_cart"][next(4)] as string,
      product_id: next(10) === 0 ? null : String(1_000_000 + next(5000)),
      category_id: next(12) === 0 ? null : String(2053013555631882655n + BigInt(next(700))),
      category_code: pick(3),
      brand: pick(7),
      price: price === 0 ? null : price === 1 ? 0 : price === 2 ? 0.01 : price === 3 ? 1e15 : next(100_000) / 100,
      user_id: String(500_000_000 + next(wide ? 1_000_000 : 300)),
      user_session:
        next(20) === 0 ? null : wide ? `${seed}-${i}-${"s".repeat(400)}` : `session-${next(50)}-${TEXTS[next(3)]}`,
    }
  })
}
