import { formatMicros } from "./EventTime.js"
import type { Week } from "./Week.js"

/**
 * The event's field rules, written once. Both decode paths apply them: the `EventRecord` Schema
 * to a parsed record, the transform's fast path to a line's bytes. Each path works out what the
 * source sent for a field (a `ValueKind`, and whether its text is blank once trimmed) and asks
 * `verdict` what the field's rule makes of it; only the Schema path words a problem (`reason`),
 * the fast path leaves a line with any problem to it.
 */

/** What the source sent for a field. A string is trimmed before any rule looks at it. */
export const ABSENT = 0
export const NULL = 1
export const STRING = 2
/** A JSON number, as the text the source wrote. */
export const NUMBER = 3
/** true, false, an array or an object. */
export const OTHER = 4
export type ValueKind = typeof ABSENT | typeof NULL | typeof STRING | typeof NUMBER | typeof OTHER

/**
 * - `timestamp`: a string `parseEventTime` reads, epoch microseconds.
 * - `text`: a string.
 * - `id`: a string, or a number kept as the text the source wrote (`category_id` exceeds 2^53).
 * - `amount`: a number, or a string holding one; finite and never negative.
 */
export type FieldType = "timestamp" | "text" | "id" | "amount"

export interface FieldRule {
  readonly type: FieldType
  /** With no value (absent, null, or blank text) the record is refused; else the field is null. */
  readonly required: boolean
  readonly lowerCase: boolean
}

/** The record's fields, in the order the API sends them and `events.parquet` stores them. */
export const EVENT_FIELDS = {
  event_time: { type: "timestamp", required: true, lowerCase: false },
  event_type: { type: "text", required: true, lowerCase: true },
  product_id: { type: "id", required: false, lowerCase: false },
  category_id: { type: "id", required: false, lowerCase: false },
  category_code: { type: "text", required: false, lowerCase: false },
  brand: { type: "text", required: false, lowerCase: false },
  price: { type: "amount", required: false, lowerCase: false },
  user_id: { type: "id", required: true, lowerCase: false },
  user_session: { type: "text", required: false, lowerCase: false },
} as const satisfies Record<string, FieldRule>
export type EventFieldName = keyof typeof EVENT_FIELDS

/** What a rule makes of a value: keep it, make it null, read it further, or one of the problems. */
export const KEEP_TEXT = 0
export const NO_VALUE = 1
export const READ_TIMESTAMP = 2
export const READ_AMOUNT = 3
export const REQUIRED = 4
export const EMPTY = 5
export const WRONG_TYPE = 6
export const NOT_A_TIMESTAMP = 7
export const NEGATIVE = 8
export type Problem = typeof REQUIRED | typeof EMPTY | typeof WRONG_TYPE | typeof NOT_A_TIMESTAMP | typeof NEGATIVE
export type Verdict = typeof KEEP_TEXT | typeof NO_VALUE | typeof READ_TIMESTAMP | typeof READ_AMOUNT | Problem

/** `blank`: a string that is empty once trimmed. */
export const verdict = (rule: FieldRule, kind: ValueKind, blank: boolean): Verdict => {
  if (kind === ABSENT || kind === NULL) return rule.required ? REQUIRED : NO_VALUE
  if (kind === OTHER) return WRONG_TYPE
  switch (rule.type) {
    case "timestamp":
      return kind === STRING ? READ_TIMESTAMP : WRONG_TYPE
    case "amount":
      return READ_AMOUNT
    case "text":
      if (kind !== STRING) return WRONG_TYPE
      break
    case "id":
      if (kind === NUMBER) return KEEP_TEXT
      break
  }
  return !blank ? KEEP_TEXT : rule.required ? EMPTY : NO_VALUE
}

/** An amount's verdict once read as a number (NaN when its text holds none). */
export const amountVerdict = (value: number): typeof KEEP_TEXT | Problem =>
  !Number.isFinite(value) ? WRONG_TYPE : value < 0 ? NEGATIVE : KEEP_TEXT

const NUMERIC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/

/** The number an amount's text (trimmed) holds, or NaN. */
export const amountOfText = (text: string): number => (NUMERIC.test(text) ? Number(text) : Number.NaN)

/** The week rule: an event belongs to the week whose window, `[startMicros, endExclusiveMicros)`, holds its time. */
export const inWeekWindow = (micros: number, startMicros: number, endExclusiveMicros: number): boolean =>
  micros >= startMicros && micros < endExclusiveMicros

const EXPECTED: Record<FieldType, string> = {
  timestamp: "a string",
  text: "a string",
  id: "a string or a number",
  amount: "a finite number",
}

export const isEventField = (name: string): name is EventFieldName => Object.hasOwn(EVENT_FIELDS, name)

/** The reject reason for a problem `verdict` (or `amountVerdict`) found; `got` shows the value sent. */
export const reason = (name: EventFieldName, problem: Problem, got: string): string => {
  switch (problem) {
    case REQUIRED:
      return `${name} is required`
    case EMPTY:
      return `${name} must not be empty`
    case NOT_A_TIMESTAMP:
      return `${name} is not a timestamp: ${got}`
    case NEGATIVE:
      return `${name} must be >= 0, got ${got}`
    case WRONG_TYPE:
      return `${name} must be ${EXPECTED[EVENT_FIELDS[name].type]}, got ${got}`
  }
}

export const outsideWeekReason = (week: Week, micros: number): string =>
  `event_time must be within the week ${week.start}..${week.end}, got ${formatMicros(micros)}`
