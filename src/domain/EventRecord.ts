import { Either, ParseResult, Schema } from "effect"
import { parseEventTime } from "./EventTime.js"

/**
 * A JSON number kept as the text the source wrote, as a lossless JSON parser hands it over
 * (`{ isLosslessNumber: true, value: "2053013555631882655" }`). `category_id` exceeds 2^53, so a
 * JavaScript number would silently change it.
 */
export interface JsonNumberText {
  readonly isLosslessNumber: true
  readonly value: string
}

export const JsonNumberText = Schema.declare(
  (u: unknown): u is JsonNumberText =>
    typeof u === "object" &&
    u !== null &&
    // The parser's own number object, never an object of the record's text (those are plain
    // objects): `{"isLosslessNumber":true,"value":"42"}` sent as a price is not a number.
    Object.getPrototypeOf(u) !== Object.prototype &&
    (u as { isLosslessNumber?: unknown }).isLosslessNumber === true &&
    typeof (u as { value?: unknown }).value === "string",
  { identifier: "JsonNumber" },
)

const isJsonNumberText = Schema.is(JsonNumberText)

const MAX_QUOTED = 120

/** The offending value for a message, cut short: the record itself is kept whole beside it. */
const describe = (u: unknown): string => {
  const text = u === undefined ? "nothing" : isJsonNumberText(u) ? u.value : (JSON.stringify(u) ?? String(u))
  return text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}… (${text.length} characters)` : text
}

/**
 * One field of the record, decoded from whatever the source sent (`undefined` when the key is
 * missing). `read` answers the value, or the message of the one problem with it.
 */
const field = <A>(to: Schema.Schema<A>, read: (u: unknown) => A | { readonly problem: string }) =>
  Schema.transformOrFail(Schema.Unknown, to, {
    strict: true,
    decode: (u, _, ast) => {
      const result = read(u)
      return typeof result === "object" && result !== null && "problem" in result
        ? ParseResult.fail(new ParseResult.Type(ast, u, result.problem))
        : ParseResult.succeed(result as A)
    },
    encode: (a) => ParseResult.succeed(a),
  })

const problem = (text: string) => ({ problem: text }) as const

/** Strings are trimmed, JSON numbers become the text the source wrote; `undefined` for anything else. */
const idText = (u: unknown): string | undefined =>
  typeof u === "string"
    ? u.trim()
    : typeof u === "number" && Number.isFinite(u)
      ? String(u)
      : isJsonNumberText(u)
        ? u.value
        : undefined

const optionalId = (name: string) =>
  field(Schema.NullOr(Schema.String), (u) => {
    if (u === undefined || u === null) return null
    const text = idText(u)
    if (text === undefined) return problem(`${name} must be a string or a number, got ${describe(u)}`)
    return text === "" ? null : text
  })

const optionalText = (name: string) =>
  field(Schema.NullOr(Schema.String), (u) => {
    if (u === undefined || u === null) return null
    if (typeof u !== "string") return problem(`${name} must be a string, got ${describe(u)}`)
    const text = u.trim()
    return text === "" ? null : text
  })

const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/

/** A price from a JSON number or a numeric string; finite and never negative. */
const price = field(Schema.NullOr(Schema.Number), (u) => {
  if (u === undefined || u === null) return null
  const text = typeof u === "string" ? u.trim() : isJsonNumberText(u) ? u.value : undefined
  const value = typeof u === "number" ? u : text !== undefined && NUMERIC.test(text) ? Number(text) : Number.NaN
  if (!Number.isFinite(value)) return problem(`price must be a finite number, got ${describe(u)}`)
  if (value < 0) return problem(`price must be >= 0, got ${describe(u)}`)
  return value
})

/** Epoch microseconds (UTC) from the dataset's `" UTC"` form or ISO-8601, with or without a zone. */
const eventTime = field(Schema.Number, (u) => {
  if (u === undefined || u === null) return problem("event_time is required")
  if (typeof u !== "string") return problem(`event_time must be a string, got ${describe(u)}`)
  return parseEventTime(u) ?? problem(`event_time is not a timestamp: ${describe(u)}`)
})

const eventType = field(Schema.String, (u) => {
  if (u === undefined || u === null) return problem("event_type is required")
  if (typeof u !== "string") return problem(`event_type must be a string, got ${describe(u)}`)
  const text = u.trim().toLowerCase()
  return text === "" ? problem("event_type must not be empty") : text
})

const userId = field(Schema.String, (u) => {
  if (u === undefined || u === null) return problem("user_id is required")
  const text = idText(u)
  if (text === undefined) return problem(`user_id must be a string or a number, got ${describe(u)}`)
  return text === "" ? problem("user_id must not be empty") : text
})

/** One event as the API sends it, decoded into the pipeline's types. Unknown fields are ignored. */
export const EventRecord = Schema.Struct({
  event_time: eventTime,
  event_type: eventType,
  product_id: optionalId("product_id"),
  category_id: optionalId("category_id"),
  category_code: optionalText("category_code"),
  brand: optionalText("brand"),
  price,
  user_id: userId,
  user_session: optionalText("user_session"),
})
export type EventRecord = typeof EventRecord.Type

/** One problem with a record: where (`price`, `user_id`, or `""` for the record itself) and what. */
export interface FieldError {
  readonly path: string
  readonly message: string
}

const decode = Schema.decodeUnknownEither(EventRecord, { errors: "all", onExcessProperty: "ignore" })

/** What a value that should have been a record is, in words; `undefined` for a record. */
const notARecord = (u: unknown): string | undefined => {
  if (u === null || u === undefined || typeof u === "boolean") return describe(u)
  if (Array.isArray(u)) return "an array"
  if (typeof u === "object" && !isJsonNumberText(u)) return undefined
  return `the ${typeof u === "string" ? "string" : "number"} ${describe(u)}`
}

/** Decodes a parsed record, or lists every problem with it. */
export const decodeEventRecord = (input: unknown): Either.Either<EventRecord, ReadonlyArray<FieldError>> => {
  const kind = notARecord(input)
  if (kind !== undefined) return Either.left([{ path: "", message: `a record must be a JSON object, got ${kind}` }])
  return Either.mapLeft(decode(input), (error) =>
    ParseResult.ArrayFormatter.formatErrorSync(error).map((issue): FieldError => {
      const path = issue.path.join(".")
      // A required key that is absent never reaches its field's decoder: say so in the field's words.
      return { path, message: issue._tag === "Missing" ? `${path} is required` : issue.message }
    }),
  )
}
