import { Either } from "effect"
import type { ConfigurationError } from "./Errors.js"
import { addDays, parseWeek, type Week, type WeekSource } from "./Week.js"

/**
 * The seven-day windows a backfill runs: the first starts on `from`, each next one seven days
 * later, the last is the one that contains `to`.
 */
export const weeksCovering = (
  from: string,
  to: string,
  source: WeekSource = { start: "--from", end: "--to" },
): Either.Either<ReadonlyArray<Week>, ConfigurationError> =>
  Either.map(parseWeek(from, to, source), (range) => {
    const weeks: Array<Week> = []
    let week = Either.getOrThrow(parseWeek(range.start, addDays(range.start, 6)))
    while (week.start <= range.end) {
      weeks.push(week)
      week = week.next
    }
    return weeks
  })
