import { Either } from "effect"
import { parse } from "lossless-json"
import { JsonScanner, MAX_NESTING } from "../../codecs/JsonScanner.js"
import { inWeekWindow, outsideWeekReason } from "../../domain/EventFields.js"
import { decodeEventRecord, type EventRecord, type FieldError } from "../../domain/EventRecord.js"
import type { Week } from "../../domain/Week.js"

const encoder = new TextEncoder()
const json = new JsonScanner()

/**
 * The exact path of validation for one line of `raw.ndjson`: parsed losslessly (a 19-digit id
 * keeps its text; `JSON.parse` would round it), decoded by the `EventRecord` Schema, and held to
 * the week. A line that is not JSON, not an object, nested too deeply, or an event outside the
 * week is refused with every reason, so it can be kept as a reject. `bytes` are the line's
 * UTF-8 bytes, when the caller has them already.
 *
 * The nesting is checked first, as deep as the extract accepts a page to be: the parser
 * recurses, and left to the call stack a line nested thousands deep would be valid on a worker
 * thread (4 MB of stack) and a reject on the main thread, and cost a stack overflow to find out.
 */
export const decodeLine = (
  line: string,
  week: Week,
  bytes: Uint8Array = encoder.encode(line),
): Either.Either<EventRecord, ReadonlyArray<FieldError>> => {
  if (json.nestsDeeperThan(bytes, 0, bytes.length, MAX_NESTING)) {
    return Either.left([
      { path: "", message: `nested too deeply: more than ${MAX_NESTING} levels of arrays and objects` },
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
    inWeekWindow(record.event_time, week.startMicros, week.endExclusiveMicros)
      ? Either.right(record)
      : Either.left([{ path: "event_time", message: outsideWeekReason(week, record.event_time) }]),
  )
}
