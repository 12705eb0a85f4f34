/**
 * The products, categories and brands the synthetic events point at, drawn once per seed. Small
 * (a few MB whatever the week's size) and shaped like the REES46 dataset: 19-digit category ids,
 * dotted category codes that are often empty, brands that are sometimes empty.
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

const CATEGORY_CODES = [
  "electronics.smartphone",
  "electronics.audio.headphone",
  "electronics.video.tv",
  "electronics.clocks",
  "electronics.tablet",
  "computers.notebook",
  "computers.desktop",
  "computers.peripherals.printer",
  "computers.components.videocards",
  "appliances.kitchen.washer",
  "appliances.kitchen.refrigerators",
  "appliances.kitchen.microwave",
  "appliances.environment.vacuum",
  "appliances.environment.air_heater",
  "appliances.personal.hair_cutter",
  "apparel.shoes",
  "apparel.shoes.keds",
  "apparel.costume",
  "furniture.living_room.sofa",
  "furniture.bedroom.bed",
  "furniture.kitchen.table",
  "construction.tools.drill",
  "construction.tools.light",
  "auto.accessories.player",
  "auto.accessories.videoregister",
  "kids.toys",
  "kids.carriage",
  "sport.bicycle",
  "sport.tennis",
  "accessories.bag",
  "country_yard.cultivator",
  "medicine.tools.tonometer",
  "stationery.cartrige",
] as const

const BRANDS = [
  "samsung",
  "apple",
  "xiaomi",
  "huawei",
  "lucente",
  "lg",
  "sony",
  "oppo",
  "acer",
  "lenovo",
  "asus",
  "hp",
  "bosch",
  "indesit",
  "artel",
  "elenberg",
  "redmond",
  "philips",
  "tefal",
  "polaris",
  "respect",
  "cordiant",
  "nokian",
  "michelin",
  "karcher",
  "makita",
  "janome",
  "canon",
  "nike",
  "adidas",
] as const

const CATEGORY_PREFIXES = ["2053013", "2232732", "2172371", "2125991"] as const
const CATEGORIES = 600
const PRODUCTS = 30_000

/** Per product, the bytes the records repeat (all ASCII), so a record is mostly copies. */
export interface Catalog {
  /** `"product_id":…,"category_id":…,"category_code":"…","brand":"…","price":`. */
  readonly head: ReadonlyArray<Uint8Array>
  /** The price as JSON number text, e.g. `130.76`. */
  readonly price: ReadonlyArray<Uint8Array>
  /** `head` and `price` together: what a well-formed record writes. */
  readonly full: ReadonlyArray<Uint8Array>
  readonly size: number
  /** The longest `full`, in bytes. */
  readonly longest: number
}

const digits = (value: number, width: number) => String(value).padStart(width, "0")

/** `12345` cents → `123.45`. */
export const centsText = (cents: number): string => `${Math.floor(cents / 100)}.${digits(cents % 100, 2)}`

const makeCatalog = (seed: number): Catalog => {
  const base = mix32(seed ^ 0x5bd1e995)
  const categories = Array.from({ length: CATEGORIES }, (_, c) => {
    const h = mix32(base ^ mix32(c + 1))
    const prefix = CATEGORY_PREFIXES[draw(h, 1) % CATEGORY_PREFIXES.length] as string
    // 7 + 6 + 6 digits: a 19-digit id, above 2^53 like the dataset's.
    const id = `${prefix}${digits(draw(h, 2) % 1_000_000, 6)}${digits(draw(h, 3) % 1_000_000, 6)}`
    const code = unit(h, 4) < 0.65 ? (CATEGORY_CODES[draw(h, 5) % CATEGORY_CODES.length] as string) : ""
    return { id, code }
  })
  const head: Array<Uint8Array> = []
  const price: Array<Uint8Array> = []
  const full: Array<Uint8Array> = []
  for (let p = 0; p < PRODUCTS; p++) {
    const h = mix32(base ^ mix32(p + 0x10000))
    const productId = 1_000_000 + p * 1_777 + (draw(h, 1) % 1_777)
    const category = categories[draw(h, 2) % CATEGORIES] as { id: string; code: string }
    const brand = unit(h, 3) < 0.85 ? (BRANDS[draw(h, 4) % BRANDS.length] as string) : ""
    // Log-uniform from 0.50 to 2,500.00: many cheap items, a few expensive ones.
    const cents = Math.round(50 * 5000 ** unit(h, 5))
    const headText = `"product_id":${productId},"category_id":${category.id},"category_code":"${category.code}","brand":"${brand}","price":`
    head.push(Buffer.from(headText, "latin1"))
    price.push(Buffer.from(centsText(cents), "latin1"))
    full.push(Buffer.from(`${headText}${centsText(cents)}`, "latin1"))
  }
  return { head, price, full, size: PRODUCTS, longest: Math.max(...full.map((f) => f.length)) }
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
