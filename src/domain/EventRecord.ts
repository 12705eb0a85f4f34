import { Either, ParseResult, Schema } from "effect"
import {
  ABSENT,
  amountOfText,
  amountVerdict,
  EVENT_FIELDS,
  type EventFieldName,
  type FieldRule,
  isEventField,
  KEEP_TEXT,
  NO_VALUE,
  NOT_A_TIMESTAMP,
  NULL,
  NUMBER,
  OTHER,
  READ_AMOUNT,
  READ_TIMESTAMP,
  REQUIRED,
  reason,
  STRING,
  type ValueKind,
  verdict,
} from "./EventFields.js"
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

const problem = (text: string) => ({ problem: text }) as const

const kindOf = (u: unknown): ValueKind => {
  if (u === undefined) return ABSENT
  if (u === null) return NULL
  if (typeof u === "string") return STRING
  return (typeof u === "number" && Number.isFinite(u)) || isJsonNumberText(u) ? NUMBER : OTHER
}

/** A string trimmed, a number as the source wrote it; `""` for anything else. */
const textOf = (u: unknown): string =>
  typeof u === "string" ? u.trim() : typeof u === "number" ? String(u) : isJsonNumberText(u) ? u.value : ""

/** One field decoded by its rule from whatever the source sent (`undefined` when the key is missing). */
const decodeField = (name: EventFieldName, u: unknown): number | string | null | { readonly problem: string } => {
  const rule: FieldRule = EVENT_FIELDS[name]
  const kind = kindOf(u)
  const text = textOf(u)
  const found = verdict(rule, kind, text === "")
  switch (found) {
    case KEEP_TEXT:
      return rule.lowerCase ? text.toLowerCase() : text
    case NO_VALUE:
      return null
    case READ_TIMESTAMP:
      return parseEventTime(text) ?? problem(reason(name, NOT_A_TIMESTAMP, describe(u)))
    case READ_AMOUNT: {
      const value = typeof u === "number" ? u : amountOfText(text)
      const checked = amountVerdict(value)
      return checked === KEEP_TEXT ? value : problem(reason(name, checked, describe(u)))
    }
    default:
      return problem(reason(name, found, describe(u)))
  }
}

/** What a field decodes to under its rule: a number or a string, or null when it may have no value. */
type Decoded<R extends FieldRule> =
  | (R["type"] extends "timestamp" | "amount" ? number : string)
  | (R["required"] extends true ? never : null)

/** Field `name` of the record, `to` being the type its rule decodes to. */
const ruled = <K extends EventFieldName>(name: K, to: Schema.Schema<Decoded<(typeof EVENT_FIELDS)[K]>>) =>
  Schema.transformOrFail(Schema.Unknown, to, {
    strict: true,
    decode: (u, _, ast) => {
      const result = decodeField(name, u)
      return typeof result === "object" && result !== null
        ? ParseResult.fail(new ParseResult.Type(ast, u, result.problem))
        : ParseResult.succeed(result as Decoded<(typeof EVENT_FIELDS)[K]>)
    },
    encode: (a) => ParseResult.succeed(a),
  })

/** One event as the API sends it, decoded by the field rules into the pipeline's types. Unknown fields are ignored. */
export const EventRecord = Schema.Struct({
  event_time: ruled("event_time", Schema.Number),
  event_type: ruled("event_type", Schema.String),
  product_id: ruled("product_id", Schema.NullOr(Schema.String)),
  category_id: ruled("category_id", Schema.NullOr(Schema.String)),
  category_code: ruled("category_code", Schema.NullOr(Schema.String)),
  brand: ruled("brand", Schema.NullOr(Schema.String)),
  price: ruled("price", Schema.NullOr(Schema.Number)),
  user_id: ruled("user_id", Schema.String),
  user_session: ruled("user_session", Schema.NullOr(Schema.String)),
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
      // A required key that is absent is reported as missing, not in its field's words: say them.
      return {
        path,
        message: issue._tag === "Missing" && isEventField(path) ? reason(path, REQUIRED, "") : issue.message,
      }
    }),
  )
}
