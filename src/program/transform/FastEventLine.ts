import { amountTextValue, eventTimeMicros, numberValue } from "../../codecs/ByteScalars.js"
import { FlatJsonObject } from "../../codecs/FlatJsonObject.js"
import { SPACE } from "../../codecs/JsonScanner.js"
import type { ByteColumn } from "../../codecs/parquet/ByteColumn.js"
import type { EventColumns } from "../../codecs/parquet/EventColumns.js"
import {
  amountVerdict,
  EVENT_FIELDS,
  type EventFieldName,
  type FieldRule,
  inWeekWindow,
  KEEP_TEXT,
  NO_VALUE,
  NULL,
  NUMBER,
  OTHER,
  READ_AMOUNT,
  READ_TIMESTAMP,
  STRING,
  type ValueKind,
  verdict,
} from "../../domain/EventFields.js"

/**
 * The fast path of validation: decodes one line of `raw.ndjson`, read as bytes, straight into the
 * row group's columns — no JSON tree, no Schema run — for the common case: an object of the known
 * fields, their text ASCII without escapes, every field valid by its rule (`EventFields`), the
 * event inside the week. The producers' variants are the common case too: any time form
 * `parseEventTime` reads (` UTC`, `Z` and `+HH:MM` digit by digit), ids and prices sent as
 * strings, members the pipeline ignores (stepped over, see `FlatJsonObject`). Anything else
 * answers `false` having written nothing, and the line takes the exact path (lossless JSON + the
 * `EventRecord` Schema), which also words the errors: a name or a known field's text not in
 * ASCII or escaped, a name twice in one object, a known field given twice. What this path
 * accepts it decodes exactly as that path would: a property test holds the two together.
 */

const NAMES = Object.keys(EVENT_FIELDS) as ReadonlyArray<EventFieldName>
const RULES: ReadonlyArray<FieldRule> = NAMES.map((name) => EVENT_FIELDS[name])
const slot = (name: EventFieldName) => NAMES.indexOf(name)
const [EVENT_TYPE, PRODUCT_ID, CATEGORY_ID, CATEGORY_CODE, BRAND, USER_ID, USER_SESSION] = [
  slot("event_type"),
  slot("product_id"),
  slot("category_id"),
  slot("category_code"),
  slot("brand"),
  slot("user_id"),
  slot("user_session"),
]

const KINDS = OTHER + 1
/**
 * Every verdict the rules can give, asked once: by field, kind of value, and blank or not. The
 * hot loop looks them up instead of asking `verdict` nine times a line.
 */
const VERDICTS = Uint8Array.from({ length: RULES.length * KINDS * 2 }, (_, at) =>
  verdict(RULES[Math.floor(at / (KINDS * 2))] as FieldRule, ((at >> 1) % KINDS) as ValueKind, at % 2 === 1),
)
const verdictAt = (k: number, kind: number, blank: boolean) => VERDICTS[(k * KINDS + kind) * 2 + (blank ? 1 : 0)]
const FIELD_COUNT = RULES.length
const LOWER_CASE = Uint8Array.from(RULES, (rule) => (rule.lowerCase ? 1 : 0))

// One line at a time, on one thread: the object's slots are shared by every call.
const line = new FlatJsonObject(NAMES)
const { kinds, starts, ends } = line

/** Narrows a string past leading and trailing spaces (the only whitespace a plain string holds). */
const trim = (b: Uint8Array, k: number): void => {
  let s = starts[k] as number
  let e = ends[k] as number
  while (s < e && b[s] === SPACE) s++
  while (e > s && b[e - 1] === SPACE) e--
  starts[k] = s
  ends[k] = e
}

const pushText = (b: Uint8Array, k: number, column: ByteColumn): void => {
  if (kinds[k] === NULL) column.pushNull()
  else if (LOWER_CASE[k] === 1) column.pushLowerAscii(b, starts[k] as number, ends[k] as number)
  else column.pushBytes(b, starts[k] as number, ends[k] as number)
}

/**
 * Decodes `b[start..end)` into the next row of `out` when it is a valid record of the common
 * shape with its event in `[fromMicros, toMicros)`; otherwise answers `false` and writes nothing.
 */
export const decodeFast = (
  b: Uint8Array,
  start: number,
  end: number,
  out: EventColumns,
  fromMicros: number,
  toMicros: number,
): boolean => {
  if (!line.read(b, start, end)) return false
  // events.parquet holds the record's one timestamp and one amount in columns of their own.
  let eventTime = Number.NaN
  let price: number | null = null
  for (let k = 0; k < FIELD_COUNT; k++) {
    const kind = kinds[k] as number
    if (kind === STRING) trim(b, k)
    switch (verdictAt(k, kind, starts[k] === ends[k])) {
      case KEEP_TEXT:
        break
      case NO_VALUE:
        kinds[k] = NULL
        break
      case READ_TIMESTAMP:
        eventTime = eventTimeMicros(b, starts[k] as number, ends[k] as number) ?? Number.NaN
        if (!inWeekWindow(eventTime, fromMicros, toMicros)) return false
        break
      case READ_AMOUNT:
        price =
          kind === NUMBER
            ? numberValue(b, starts[k] as number, ends[k] as number)
            : amountTextValue(b, starts[k] as number, ends[k] as number)
        if (amountVerdict(price) !== KEEP_TEXT) return false
        break
      default:
        return false
    }
  }

  out.pushNumbers(eventTime, price)
  pushText(b, EVENT_TYPE, out.eventType)
  pushText(b, PRODUCT_ID, out.productId)
  pushText(b, CATEGORY_ID, out.categoryId)
  pushText(b, CATEGORY_CODE, out.categoryCode)
  pushText(b, BRAND, out.brand)
  pushText(b, USER_ID, out.userId)
  pushText(b, USER_SESSION, out.userSession)
  out.commit()
  return true
}
