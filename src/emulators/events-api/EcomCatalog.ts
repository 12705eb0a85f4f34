/**
 * The products, categories and brands the synthetic events point at, drawn once per seed and
 * shaped like the REES46 dataset: tens of thousands of products, a few thousand brands (about
 * one product in seven without one), hundreds of categories with 19-digit ids and about 130
 * dotted codes (a third of the records have none). Small: a few MB whatever the week's size.
 */

/** A 32-bit integer hash (lowbias32): fast, stateless, good enough spread for synthetic data. */
export const mix32 = (x: number): number => {
  let h = Math.imul(x ^ (x >>> 16), 0x7feb352d)
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b)
  return (h ^ (h >>> 16)) >>> 0
}

/** The `k`-th independent draw from `base`, as an unsigned 32-bit integer. */
export const draw = (base: number, k: number): number => mix32((base + Math.imul(k, 0x9e3779b9)) | 0)

/** The `k`-th draw from `base` as a fraction in [0, 1). */
export const unit = (base: number, k: number): number => draw(base, k) / 4294967296

/** The dataset's top-level categories, each with the second levels it has. */
const TAXONOMY: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
  ["electronics", ["smartphone", "audio", "video", "clocks", "tablet", "camera", "telephone", "console"]],
  ["appliances", ["kitchen", "environment", "personal", "iron", "sewing_machine", "ironing_board"]],
  ["computers", ["notebook", "desktop", "peripherals", "components", "network", "ebooks"]],
  ["apparel", ["shoes", "costume", "jeans", "shirt", "dress", "jacket", "scarf"]],
  ["furniture", ["living_room", "bedroom", "kitchen", "bathroom", "universal"]],
  ["construction", ["tools", "components", "materials"]],
  ["auto", ["accessories"]],
  ["kids", ["toys", "carriage", "skates", "swing", "dolls"]],
  ["sport", ["bicycle", "tennis", "trainer", "snowboard", "ski"]],
  ["accessories", ["bag", "umbrella", "wallet", "belt"]],
  ["country_yard", ["cultivator", "lawn_mower", "watering", "weather_station"]],
  ["medicine", ["tools"]],
  ["stationery", ["cartrige", "battery"]],
]

/** Third levels, given to some second levels. */
const LEAVES = ["headphone", "tv", "player", "refrigerators", "washer", "vacuum", "drill", "light", "printer", "kit"]

/** 130 dotted codes: every second level, then second levels with a third until there are 130. */
const CATEGORY_CODES: ReadonlyArray<string> = (() => {
  const seconds = TAXONOMY.flatMap(([top, names]) => names.map((name) => `${top}.${name}`))
  const codes = [...seconds]
  for (let i = 0; codes.length < 130; i++) {
    const s = i % seconds.length
    codes.push(`${seconds[s]}.${LEAVES[(s + Math.floor(i / seconds.length) * 3) % LEAVES.length]}`)
  }
  return codes
})()

const KNOWN_BRANDS = ["samsung", "apple", "xiaomi", "huawei", "lucente", "lg", "sony", "oppo", "acer", "lenovo"]
const ONSETS = ["b", "c", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "st", "tr"]
const VOWELS = ["a", "e", "i", "o", "u", "ia", "eo"]
const BRANDS = 3_000
const CATEGORIES = 700
const PRODUCTS = 50_000
const CATEGORY_PREFIXES = ["2053013", "2232732", "2172371", "2125991", "2134905"] as const

/** A made-up brand name of two or three syllables, e.g. `starela`. */
const brandName = (h: number): string => {
  const syllables = 2 + (draw(h, 1) % 2)
  let name = ""
  for (let s = 0; s < syllables; s++) {
    name += `${ONSETS[draw(h, 2 + 2 * s) % ONSETS.length]}${VOWELS[draw(h, 3 + 2 * s) % VOWELS.length]}`
  }
  return name
}

export interface Catalog {
  /** Each product's id, as digits. */
  readonly productId: ReadonlyArray<Uint8Array>
  /** Each product's category (an index into `categoryId` and `categoryCode`). */
  readonly categoryOf: Int32Array
  /** Each product's brand (an index into `brand`), -1 for none. */
  readonly brandOf: Int32Array
  /** Each product's price as JSON number text, e.g. `130.76`. */
  readonly price: ReadonlyArray<Uint8Array>
  /** Each category's id, 19 digits. */
  readonly categoryId: ReadonlyArray<Uint8Array>
  /** Each category's code, empty for none. */
  readonly categoryCode: ReadonlyArray<Uint8Array>
  readonly brand: ReadonlyArray<Uint8Array>
  readonly size: number
  /** The most bytes a product's own fields take, ids quoted, in a record. */
  readonly longest: number
}

const digits = (value: number, width: number) => String(value).padStart(width, "0")

/** `12345` cents → `123.45`. */
export const centsText = (cents: number): string => `${Math.floor(cents / 100)}.${digits(cents % 100, 2)}`

const ascii = (text: string): Uint8Array => Buffer.from(text, "latin1")

/** What a product's fields cost in a record besides their values (keys, quotes, commas). */
const PRODUCT_FIELD_BYTES = ascii(',"product_id":"","category_id":"","category_code":"","brand":"","price":').length

const makeCatalog = (seed: number): Catalog => {
  const base = mix32(seed ^ 0x5bd1e995)
  const brand = Array.from({ length: BRANDS }, (_, b) =>
    ascii(b < KNOWN_BRANDS.length ? (KNOWN_BRANDS[b] as string) : brandName(mix32(base ^ mix32(b + 0x20000)))),
  )
  const categoryId: Array<Uint8Array> = []
  const categoryCode: Array<Uint8Array> = []
  for (let c = 0; c < CATEGORIES; c++) {
    const h = mix32(base ^ mix32(c + 1))
    const prefix = CATEGORY_PREFIXES[draw(h, 1) % CATEGORY_PREFIXES.length] as string
    // 7 + 6 + 6 digits: a 19-digit id, above 2^53 like the dataset's.
    categoryId.push(ascii(`${prefix}${digits(draw(h, 2) % 1_000_000, 6)}${digits(draw(h, 3) % 1_000_000, 6)}`))
    // The first 130 categories have the 130 codes, so each code is used; then a third have none.
    const code =
      c < CATEGORY_CODES.length
        ? (CATEGORY_CODES[c] as string)
        : unit(h, 4) < 0.4
          ? ""
          : (CATEGORY_CODES[draw(h, 5) % CATEGORY_CODES.length] as string)
    categoryCode.push(ascii(code))
  }
  const productId: Array<Uint8Array> = []
  const price: Array<Uint8Array> = []
  const categoryOf = new Int32Array(PRODUCTS)
  const brandOf = new Int32Array(PRODUCTS)
  let longest = 0
  for (let p = 0; p < PRODUCTS; p++) {
    const h = mix32(base ^ mix32(p + 0x10000))
    productId.push(ascii(String(1_000_000 + p * 1_777 + (draw(h, 1) % 1_777))))
    categoryOf[p] = draw(h, 2) % CATEGORIES
    // A few brands make most products (samsung and apple first), and some products have none.
    brandOf[p] = unit(h, 3) < 0.15 ? -1 : Math.floor(BRANDS * unit(h, 4) ** 3)
    // Log-uniform from 0.50 to 2,500.00: many cheap items, a few expensive ones.
    price.push(ascii(centsText(Math.round(50 * 5000 ** unit(h, 5)))))
    const bytes =
      PRODUCT_FIELD_BYTES +
      (productId[p] as Uint8Array).length +
      (categoryId[categoryOf[p] as number] as Uint8Array).length +
      (categoryCode[categoryOf[p] as number] as Uint8Array).length +
      (brandOf[p] === -1 ? 0 : (brand[brandOf[p] as number] as Uint8Array).length) +
      (price[p] as Uint8Array).length
    longest = Math.max(longest, bytes)
  }
  return { productId, categoryOf, brandOf, price, categoryId, categoryCode, brand, size: PRODUCTS, longest }
}

const catalogs = new Map<number, Catalog>()

/** The catalog of `seed`, built on first use and kept (one per seed, a few MB). */
export const catalogOf = (seed: number): Catalog => {
  let catalog = catalogs.get(seed)
  if (catalog === undefined) {
    catalog = makeCatalog(seed)
    catalogs.set(seed, catalog)
  }
  return catalog
}
