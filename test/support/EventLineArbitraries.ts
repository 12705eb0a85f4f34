import fc from "fast-check"

/**
 * Lines of `raw.ndjson` as varied as producers make them, valid or not: every field as a JSON
 * token (numbers exactly as written: 19-digit ids, exponents, `-0`), keys in any order, missing,
 * repeated or unknown, escapes, unicode, whitespace, and lines that are not JSON at all.
 */

const quoted = (text: string) => JSON.stringify(text)

const digits = (min: number, max: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((ds) => ds.join(""))

/** A JSON number token, as text. */
const numberToken = fc.oneof(
  fc.integer({ min: -1000, max: 100_000_000 }).map(String),
  fc.constantFrom("0", "-0", "0.0", "1e3", "1E+2", "2.5e-3", "1e400", "-1e400", "12.50", "130.76", "1100.28"),
  digits(1, 19).map((ds) => (ds.length > 1 ? `1${ds}` : ds)),
  fc.tuple(digits(1, 8), digits(1, 9)).map(([a, b]) => `${Number(a)}.${b}`),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
)

/** A timestamp as some producer writes it, within the test week or near it, or not a timestamp. */
const timeText = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .record({
        day: fc.integer({ min: -1, max: 8 }),
        h: fc.integer({ min: 0, max: 24 }),
        m: fc.integer({ min: 0, max: 60 }),
        s: fc.integer({ min: 0, max: 60 }),
        form: fc.constantFrom(
          " UTC",
          " UTC",
          "Z",
          "T Z",
          " utc",
          "",
          "+02:30",
          "-0500",
          "+05",
          ".123456Z",
          ".5 UTC",
          "  UTC",
        ),
      })
      .map(({ day, h, m, s, form }) => {
        const date = new Date(Date.UTC(2019, 10, 1 + day)).toISOString().slice(0, 10)
        const two = (n: number) => String(n).padStart(2, "0")
        const sep = form.startsWith("T") || form === "Z" || form.startsWith("+") || form.startsWith("-") ? "T" : " "
        const zone = form.startsWith("T") ? form.slice(1).trim() : form
        return `${date}${sep}${two(h % (day === 8 ? 25 : 24))}:${two(m % 60)}:${two(s)}${zone}`
      }),
  },
  {
    weight: 2,
    arbitrary: fc.oneof(
      fc.constantFrom("2019-02-29 00:00:00 UTC", "2020-02-29 10:00:00 UTC", "0019-11-01 00:00:00 UTC", "yesterday", ""),
      fc.string({ maxLength: 25 }),
    ),
  },
)

const textToken = fc.oneof(
  fc.constantFrom("view", "cart", " Cart ", "PURCHASE", "remove_from_cart", "", "   ", "samsung", "électro", "a\tb"),
  fc.string({ maxLength: 12 }),
  fc.string({ maxLength: 8, unit: "grapheme" }),
)

/** A string token, mostly plain, sometimes with every character escaped as `\uXXXX`. */
const stringToken = (text: fc.Arbitrary<string>) =>
  fc
    .tuple(text, fc.integer({ min: 0, max: 9 }))
    .map(([t, roll]) =>
      roll === 0
        ? `"${Array.from(t, (c) => Array.from(c, (u) => `\\u${u.charCodeAt(0).toString(16).padStart(4, "0")}`).join("")).join("")}"`
        : quoted(t),
    )

const anyToken = (text: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 6, arbitrary: stringToken(text) },
    { weight: 3, arbitrary: numberToken },
    { weight: 1, arbitrary: fc.constantFrom("null", "true", "false", "{}", "[1,2]", '{"a":[null]}') },
  )

/** Mostly what a field should hold, sometimes anything at all. */
const usually = (plausible: fc.Arbitrary<string>, text: fc.Arbitrary<string>) =>
  fc.oneof({ weight: 8, arbitrary: plausible }, { weight: 2, arbitrary: anyToken(text) })

const plainText = fc.oneof(
  fc.constantFrom("", " ", "samsung", " apple ", "electronics.smartphone", "Lé Café", "x"),
  fc.string({ maxLength: 10 }),
)

const FIELDS = {
  event_time: usually(stringToken(timeText), timeText),
  event_type: usually(
    stringToken(fc.constantFrom("view", "cart", " Cart ", "PURCHASE", "remove_from_cart")),
    textToken,
  ),
  product_id: usually(fc.oneof(numberToken, stringToken(digits(0, 8))), textToken),
  category_id: usually(fc.oneof(numberToken, stringToken(digits(0, 19))), textToken),
  category_code: usually(fc.oneof(stringToken(plainText), fc.constant("null")), textToken),
  brand: usually(fc.oneof(stringToken(plainText), fc.constant("null")), textToken),
  price: usually(
    fc.oneof(numberToken, fc.constant("null"), stringToken(fc.constantFrom("12.50", " 7 ", "abc"))),
    textToken,
  ),
  user_id: usually(fc.oneof(numberToken, stringToken(fc.constantFrom("u-1", " 42 ", ""))), textToken),
  user_session: usually(fc.oneof(stringToken(fc.uuid()), fc.constant("null"), stringToken(plainText)), textToken),
}

const space = fc.oneof(
  { weight: 6, arbitrary: fc.constant("") },
  { weight: 1, arbitrary: fc.constantFrom(" ", "  ", "\t", " \r ") },
)

const rarely = <A>(arbitrary: fc.Arbitrary<A>): fc.Arbitrary<A | null> =>
  fc.oneof({ weight: 7, arbitrary: fc.constant(null) }, { weight: 1, arbitrary })

/** A JSON object line: known fields (some missing), maybe an unknown or a repeated one, in any order. */
export const objectLine: fc.Arbitrary<string> = fc
  .record({
    fields: fc.record(FIELDS, { requiredKeys: ["event_time", "event_type", "user_id"] }),
    dropSome: fc.oneof(
      fc.constant<Array<string>>([]),
      fc.array(fc.constantFrom(...Object.keys(FIELDS)), { maxLength: 2 }),
    ),
    extra: rarely(fc.tuple(fc.constantFrom("source", "extra", "price "), anyToken(textToken))),
    repeat: rarely(fc.constantFrom(...Object.keys(FIELDS))),
    order: fc.array(fc.integer(), { minLength: 12, maxLength: 12 }),
    before: space,
    after: space,
  })
  .map(({ fields, dropSome, extra, repeat, order, before, after }) => {
    const entries: Array<[string, string]> = Object.entries(fields).filter(([key]) => !dropSome.includes(key))
    if (extra !== null) entries.push([extra[0], extra[1]])
    const repeated = entries.find(([key]) => key === repeat)
    if (repeated !== undefined) entries.push(repeated)
    const shuffled = entries
      .map((entry, i) => ({ entry, rank: order[i] ?? i }))
      .sort((a, b) => a.rank - b.rank)
      .map(({ entry }) => entry)
    const body = shuffled.map(([key, token]) => `${before}${quoted(key)}${after}:${before}${token}`).join(",")
    return `${before}{${body}${after}}${after}`
  })

/** The dataset's own shape, which the fast path is built for. */
export const datasetLine: fc.Arbitrary<string> = fc
  .record({
    time: timeText,
    type: fc.constantFrom("view", "cart", "remove_from_cart", "purchase", "View"),
    product: fc.integer({ min: 1, max: 99_999_999 }),
    category: digits(19, 19).map((ds) => `2${ds.slice(1)}`),
    code: fc.constantFrom("", "electronics.smartphone", " apparel.shoes "),
    brand: fc.constantFrom("", "samsung", "apple"),
    price: fc.oneof(numberToken, fc.constant("null")),
    user: fc.oneof(fc.integer({ min: 1, max: 999_999_999 }).map(String), fc.constant('"u-1"')),
    session: fc.option(fc.uuid()),
  })
  .map(
    (r) =>
      `{"event_time":${quoted(r.time)},"event_type":"${r.type}","product_id":${r.product},"category_id":${r.category},` +
      `"category_code":"${r.code}","brand":"${r.brand}","price":${r.price},"user_id":${r.user}` +
      `${r.session === null ? "" : `,"user_session":"${r.session}"`}}`,
  )

/** Anything on one line: broken JSON, arrays, scalars, text, nothing. */
export const garbageLine: fc.Arbitrary<string> = fc
  .oneof(
    fc.string({ maxLength: 60 }),
    fc.string({ maxLength: 30, unit: "binary" }),
    fc.constantFrom("", "[]", "42", "null", '"text"', "{", "{}", '{"event_time":', "\u2028"),
    objectLine.map((line) => line.slice(0, Math.max(0, line.length - 3))),
  )
  .map((line) => line.replace(/\n/g, " "))

/** A line of any kind. */
export const anyLine: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: datasetLine },
  { weight: 4, arbitrary: objectLine },
  { weight: 2, arbitrary: garbageLine },
)
