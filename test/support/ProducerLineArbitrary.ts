import fc from "fast-check"

/**
 * Lines as the dataset's producers send them (see the events API reference and the emulator's
 * generator): the dataset's field order and kinds of values, 80% of the times in its
 * `2019-11-01 00:00:03 UTC` form and the rest ISO-8601 with `Z` or `+00:00`, a tenth of the
 * records with their ids as strings, prices now and then as numeric strings, a sixth of the
 * records with fields the pipeline ignores. Rarer, as real traffic has them: other time forms
 * and offsets, odd ids and types, whitespace, fields in another order, and a few records the
 * pipeline must refuse (outside the week, no user, a negative or unreadable price) or that only
 * the exact path reads (a name escaped or not ASCII, a name twice in an ignored object).
 */

const quoted = (text: string) => JSON.stringify(text)
const two = (n: number) => String(n).padStart(2, "0")
const often = <A>(common: fc.Arbitrary<A>, weight: number, rare: fc.Arbitrary<A>): fc.Arbitrary<A> =>
  fc.oneof({ weight, arbitrary: common }, { weight: 1, arbitrary: rare })

/** Offsets other than UTC's, lower-case zones, a fraction, no zone at all, and a refused `+24:00`. */
const RARE_ZONES = ["+02:30", "-05:00", "-00:00", "+23:59", " utc", ".250Z", "", "+24:00"] as const

const time = fc
  .record({
    // A day of the test week (2019-11-01..07), now and then the day before or after it.
    day: often(fc.integer({ min: 0, max: 6 }), 80, fc.constantFrom(-1, 7)),
    second: fc.integer({ min: 0, max: 86_399 }),
    zone: fc.oneof(
      { weight: 32, arbitrary: fc.constant(" UTC") },
      { weight: 4, arbitrary: fc.constant("Z") },
      { weight: 3, arbitrary: fc.constant("+00:00") },
      { weight: 1, arbitrary: fc.constantFrom(...RARE_ZONES) },
    ),
  })
  .map(({ day, second, zone }) => {
    const date = new Date(Date.UTC(2019, 10, 1 + day)).toISOString().slice(0, 10)
    const separator = zone.startsWith(" ") || zone === "" ? " " : "T"
    const clock = `${two(Math.floor(second / 3600))}:${two(Math.floor(second / 60) % 60)}:${two(second % 60)}`
    return quoted(`${date}${separator}${clock}${zone}`)
  })

const eventType = often(
  fc.constantFrom("view", "view", "view", "view", "cart", "remove_from_cart", "purchase"),
  60,
  fc.constantFrom(" Cart ", "VIEW", ""),
).map(quoted)

/** Now and then an id is not what its producer usually sends: blank, null, not a number, or an odd number. */
const oddId = often(fc.constant(null), 50, fc.constantFrom('" 42 "', '""', "null", '"u-1"', "-0", "1e3"))

/** An id as the record's producer writes ids (a number, or a string), or its odd one. */
const id = (text: string, asString: boolean, odd: string | null) => odd ?? (asString ? quoted(text) : text)

const cents = fc.integer({ min: 0, max: 500_000 }).map((c) => (c / 100).toFixed(2))

const price = fc.oneof(
  { weight: 40, arbitrary: cents },
  { weight: 3, arbitrary: fc.constantFrom("0", "-0", "130.76", "1e3", "2.5e-3", "12.50", "1100.28", "null") },
  { weight: 4, arbitrary: cents.map(quoted) },
  { weight: 1, arbitrary: fc.constantFrom('" 7 "', '"+3"', '".5"', '"5."', '"1e2"', '"-0"', '"007.10"') },
  { weight: 1, arbitrary: fc.constantFrom("-5", '"-1"', '"abc"', "1e400", '"1.2.3"', '""') },
)

const session = fc.oneof(
  { weight: 40, arbitrary: fc.uuid().map(quoted) },
  { weight: 1, arbitrary: fc.constantFrom("null", '""') },
  { weight: 1, arbitrary: fc.constant(null) },
)

/** What other producers add: the emulator's extra fields, and now and then any JSON at all. */
const extraValue: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.constantFrom(
      '"mobile_app"',
      '"web"',
      '"5.12.0"',
      "3",
      "-1.5e2",
      "true",
      "false",
      "null",
      '""',
      '{"country":"UA","city":"Kyiv"}',
      '["promo","sale"]',
      '{"id":7,"variant":"B"}',
      "[]",
      "{}",
    ),
  },
  { weight: 2, arbitrary: fc.json({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }).map(quoted) },
  { weight: 1, arbitrary: fc.constantFrom('{"a":1,"a":2}', '{"a":1,"a":1}', '{"b":{"a":[{"c":1,"c":null}]}}') },
)

const extraName = often(
  fc.constantFrom("source", "app_version", "platform", "ab_group", "geo", "tags", "page", "referrer", "experiment"),
  12,
  // `s\u006furce` is `source` escaped.
  fc.constantFrom("s\\u006furce", "é", "price ", "Event_Time", "__proto__", "constructor"),
)

const extras = often(
  fc.constant<Array<[string, string]>>([]),
  5,
  fc.uniqueArray(fc.tuple(extraName, extraValue), { minLength: 1, maxLength: 3, selector: ([name]) => name }),
)

/** A line of a producer of the dataset. */
export const producerLine: fc.Arbitrary<string> = fc
  .record({
    time,
    type: eventType,
    idsAsStrings: often(fc.constant(false), 9, fc.constant(true)),
    oddIds: fc.tuple(oddId, oddId, oddId),
    product: fc.integer({ min: 1, max: 99_999_999 }).map(String),
    category: fc.bigInt({ min: 2_000_000_000_000_000_000n, max: 2_999_999_999_999_999_999n }).map(String),
    code: fc.constantFrom('""', '"electronics.smartphone"', '"appliances.kitchen.washer"', '" apparel.shoes "', "null"),
    brand: fc.constantFrom('""', '"samsung"', '"apple"', '"kavora"', "null"),
    price,
    user: often(fc.integer({ min: 1, max: 999_999_999 }).map(String), 100, fc.constant(null)),
    session,
    extras,
    order: often(fc.constant(null), 6, fc.array(fc.integer(), { minLength: 12, maxLength: 12 })),
    spaced: often(fc.constant(false), 8, fc.constant(true)),
  })
  .map((r) => {
    const members: Array<[string, string]> = [
      ["event_time", r.time],
      ["event_type", r.type],
      ["product_id", id(r.product, r.idsAsStrings, r.oddIds[0])],
      ["category_id", id(r.category, r.idsAsStrings, r.oddIds[1])],
      ["category_code", r.code],
      ["brand", r.brand],
      ["price", r.price],
    ]
    if (r.user !== null) members.push(["user_id", id(r.user, r.idsAsStrings, r.oddIds[2])])
    if (r.session !== null) members.push(["user_session", r.session])
    members.push(...r.extras)
    const ordered =
      r.order === null
        ? members
        : members
            .map((member, i) => ({ member, rank: r.order?.[i] ?? 0 }))
            .sort((a, b) => a.rank - b.rank)
            .map(({ member }) => member)
    const gap = r.spaced ? " " : ""
    return `{${ordered.map(([name, value]) => `${gap}"${name}"${gap}:${gap}${value}`).join(",")}${gap}}`
  })
