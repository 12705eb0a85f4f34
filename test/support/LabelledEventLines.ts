import fc from "fast-check"

/**
 * Lines of `raw.ndjson` that carry their expected outcome by construction, worked out here from
 * the field rules as the README states them, not by the transform's code: a valid record and the
 * row it must become, or a valid record with one defect that must reject it. The test week is
 * 2019-11-01..2019-11-07.
 */

/** A row of `events.parquet` as DuckDB reads it, `event_time` as epoch microseconds. */
export interface ExpectedRow {
  readonly event_time: number
  readonly event_type: string
  readonly product_id: string | null
  readonly category_id: string | null
  readonly category_code: string | null
  readonly brand: string | null
  readonly price: number | null
  readonly user_id: string
  readonly user_session: string | null
}

export interface LabelledLine {
  readonly line: string
  /** The row it becomes, or `null` when it must be rejected. */
  readonly expected: ExpectedRow | null
  /** What makes it a reject, for a failing case's message. */
  readonly defect: string | null
}

const two = (n: number) => String(n).padStart(2, "0")

/** A time inside the week in a form producers use, and its epoch microseconds. */
const validTime = fc
  .record({
    day: fc.integer({ min: 1, max: 7 }),
    h: fc.integer({ min: 0, max: 23 }),
    m: fc.integer({ min: 0, max: 59 }),
    s: fc.integer({ min: 0, max: 59 }),
    micros: fc.integer({ min: 0, max: 999_999 }),
    form: fc.constantFrom("dataset", "iso", "iso-fraction", "offset"),
  })
  .map(({ day, h, m, s, micros, form }) => {
    const date = `2019-11-${two(day)}`
    const utcMs = Date.UTC(2019, 10, day, h, m, s)
    switch (form) {
      case "dataset":
        return { text: `${date} ${two(h)}:${two(m)}:${two(s)} UTC`, micros: utcMs * 1000 }
      case "iso":
        return { text: `${date}T${two(h)}:${two(m)}:${two(s)}Z`, micros: utcMs * 1000 }
      case "iso-fraction":
        return {
          text: `${date}T${two(h)}:${two(m)}:${two(s)}.${String(micros).padStart(6, "0")}Z`,
          micros: utcMs * 1000 + micros,
        }
      default: {
        // +01:00 local is an hour earlier in UTC; on the first day, stay inside the week.
        const hour = day === 1 ? Math.max(h, 1) : h
        return {
          text: `${date}T${two(hour)}:${two(m)}:${two(s)}+01:00`,
          micros: (Date.UTC(2019, 10, day, hour, m, s) - 3_600_000) * 1000,
        }
      }
    }
  })

const word = fc.stringMatching(/^[a-z][a-z0-9._]{0,11}$/)
const idDigits = fc.stringMatching(/^[1-9]\d{0,18}$/)

/** An optional text field: absent, null, blank (all null), or a word with spaces around it (trimmed). */
const optionalText = fc.oneof(
  fc.constant({ token: undefined, value: null }),
  fc.constant({ token: "null", value: null }),
  fc.constant({ token: '"  "', value: null }),
  fc.tuple(word, fc.constantFrom("", " ")).map(([w, pad]) => ({ token: JSON.stringify(`${pad}${w}${pad}`), value: w })),
)

/** An id: a JSON number kept as the digits written, or a string of them. */
const id = idDigits.chain((digits) =>
  fc.constantFrom({ token: digits, value: digits }, { token: JSON.stringify(digits), value: digits }),
)

/** A price: a non-negative number as a JSON number or a string, or none. */
const price = fc.oneof(
  fc.constant({ token: undefined, value: null }),
  fc.constant({ token: "null", value: null }),
  fc
    .tuple(fc.integer({ min: 0, max: 99_999 }), fc.integer({ min: 0, max: 99 }), fc.boolean())
    .map(([units, cents, asString]) => {
      const text = `${units}.${two(cents)}`
      return { token: asString ? JSON.stringify(text) : text, value: Number(text) }
    }),
)

const validRecord = fc.record({
  time: validTime,
  type: fc
    .tuple(fc.constantFrom("view", "cart", "remove_from_cart", "purchase"), fc.boolean(), fc.constantFrom("", " "))
    .map(([t, upper, pad]) => ({ token: JSON.stringify(`${pad}${upper ? t.toUpperCase() : t}${pad}`), value: t })),
  product: fc.option(id, { nil: undefined }),
  category: fc.option(id, { nil: undefined }),
  code: optionalText,
  brand: optionalText,
  price,
  user: id,
  session: fc.option(fc.uuid(), { nil: undefined }),
})
type ValidRecord = typeof validRecord extends fc.Arbitrary<infer A> ? A : never

/** The record's fields as JSON tokens, in the dataset's order; `undefined` drops a field. */
const tokensOf = (r: ValidRecord): Record<string, string | undefined> => ({
  event_time: JSON.stringify(r.time.text),
  event_type: r.type.token,
  product_id: r.product?.token,
  category_id: r.category?.token,
  category_code: r.code.token,
  brand: r.brand.token,
  price: r.price.token,
  user_id: r.user.token,
  user_session: r.session === undefined ? undefined : JSON.stringify(r.session),
})

const lineOf = (tokens: Record<string, string | undefined>) =>
  `{${Object.entries(tokens)
    .flatMap(([key, token]) => (token === undefined ? [] : [`${JSON.stringify(key)}:${token}`]))
    .join(",")}}`

const rowOf = (r: ValidRecord): ExpectedRow => ({
  event_time: r.time.micros,
  event_type: r.type.value,
  product_id: r.product?.value ?? null,
  category_id: r.category?.value ?? null,
  category_code: r.code.value,
  brand: r.brand.value,
  price: r.price.value,
  user_id: r.user.value,
  user_session: r.session ?? null,
})

/** One defect each, any of which the rules refuse. */
const DEFECTS: Record<
  string,
  (tokens: Record<string, string | undefined>) => Record<string, string | undefined> | string
> = {
  "negative price": (t) => ({ ...t, price: "-0.01" }),
  "negative price as text": (t) => ({ ...t, price: '"-12.50"' }),
  "price not a number": (t) => ({ ...t, price: '"abc"' }),
  "price a boolean": (t) => ({ ...t, price: "true" }),
  "no user_id": (t) => ({ ...t, user_id: undefined }),
  "null user_id": (t) => ({ ...t, user_id: "null" }),
  "blank user_id": (t) => ({ ...t, user_id: '"   "' }),
  "no event_type": (t) => ({ ...t, event_type: undefined }),
  "blank event_type": (t) => ({ ...t, event_type: '""' }),
  "event_type a number": (t) => ({ ...t, event_type: "7" }),
  "no event_time": (t) => ({ ...t, event_time: undefined }),
  "event_time the day before the week": (t) => ({ ...t, event_time: '"2019-10-31 23:59:59 UTC"' }),
  "event_time the day after the week": (t) => ({ ...t, event_time: '"2019-11-08T00:00:00Z"' }),
  "event_time not a time": (t) => ({ ...t, event_time: '"yesterday"' }),
  "event_time on 31 November": (t) => ({ ...t, event_time: '"2019-11-31 10:00:00 UTC"' }),
  "brand an object": (t) => ({ ...t, brand: '{"name":"x"}' }),
  "cut short": (t) => lineOf(t).slice(0, -1),
  "an array": (t) => `[${lineOf(t)}]`,
}

export const labelledLine: fc.Arbitrary<LabelledLine> = fc.oneof(
  { weight: 3, arbitrary: validRecord.map((r) => ({ line: lineOf(tokensOf(r)), expected: rowOf(r), defect: null })) },
  {
    weight: 2,
    arbitrary: fc.tuple(validRecord, fc.constantFrom(...Object.keys(DEFECTS))).map(([r, defect]) => {
      const broken = (DEFECTS[defect] as (typeof DEFECTS)[string])(tokensOf(r))
      return { line: typeof broken === "string" ? broken : lineOf(broken), expected: null, defect }
    }),
  },
)
