import { Either } from "effect"
import { parse } from "lossless-json"
import { decodeEventRecord, type EventRecord, type FieldError } from "../../domain/EventRecord.js"
import { formatMicros } from "../../domain/EventTime.js"
import type { Week } from "../../domain/Week.js"

/**
 * As deep as the extract accepts a page to be, far deeper than any record needs. The parser
 * recurses: left to the call stack, a line nested thousands deep would be valid on a worker
 * thread (4 MB of stack) and a reject on the main thread, and cost a stack overflow to find out.
 */
const MAX_DEPTH = 256

const QUOTE = 0x22
const BACKSLASH = 0x5c

/** Whether arrays and objects nest more than MAX_DEPTH deep, brackets inside strings aside. */
const nestedTooDeeply = (line: string): boolean => {
  let depth = 0
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i)
    if (c === QUOTE) {
      for (i++; i < line.length && line.charCodeAt(i) !== QUOTE; i++) if (line.charCodeAt(i) === BACKSLASH) i++
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_DEPTH) return true
    } else if (c === 0x7d || c === 0x5d) {
      depth--
    }
  }
  return false
}

/**
 * The exact path of validation for one line of `raw.ndjson`: parsed losslessly (a 19-digit id
 * keeps its text; `JSON.parse` would round it), decoded by the `EventRecord` Schema, and held to
 * the week. A line that is not JSON, not an object, nested too deeply, or an event outside the
 * week is refused with every reason, so it can be kept as a reject.
 */
export const decodeLine = (line: string, week: Week): Either.Either<EventRecord, ReadonlyArray<FieldError>> => {
  if (nestedTooDeeply(line)) {
    return Either.left([
      { path: "", message: `nested too deeply: more than ${MAX_DEPTH} levels of arrays and objects` },
    ])
  }
  let parsed: unknown
  try {
    parsed = parse(line)
  } catch (error) {
    return Either.left([
      { path: "", message: `not valid JSON: ${error instanceof Error ? error.message : String(error)}` },
    ])
  }
  return Either.flatMap(decodeEventRecord(parsed), (record) =>
    week.containsMicros(record.event_time)
      ? Either.right(record)
      : Either.left([
          {
            path: "event_time",
            message: `event_time must be within the week ${week.start}..${week.end}, got ${formatMicros(record.event_time)}`,
          },
        ]),
  )
}
