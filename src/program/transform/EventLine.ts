import { Either } from "effect"
import { parse } from "lossless-json"
import { decodeEventRecord, type EventRecord, type FieldError } from "../../domain/EventRecord.js"
import { formatMicros } from "../../domain/EventTime.js"
import type { Week } from "../../domain/Week.js"

/**
 * The exact path of validation for one line of `raw.ndjson`: parsed losslessly (a 19-digit id
 * keeps its text; `JSON.parse` would round it), decoded by the `EventRecord` Schema, and held to
 * the week. A line that is not JSON, not an object, or an event outside the week is refused with
 * every reason, so it can be kept as a reject.
 */
export const decodeLine = (line: string, week: Week): Either.Either<EventRecord, ReadonlyArray<FieldError>> => {
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
