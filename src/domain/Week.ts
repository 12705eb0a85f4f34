import { Either, Schema } from "effect"
import { type ConfigurationError, invalidSetting } from "./Errors.js"

const DAY_MS = 86_400_000
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/

/** Milliseconds since the epoch of an ISO date's UTC midnight, or undefined when it is not a real date. */
export const isoDateToEpochMs = (value: string): number | undefined => {
  const match = ISO_DATE.exec(value)
  if (match === null) return undefined
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const ms = Date.UTC(year, month - 1, day)
  const date = new Date(ms)
  // Date.UTC rolls 2019-02-30 over to March: a round trip catches impossible dates.
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
    ? ms
    : undefined
}

export const epochMsToIsoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10)

export const IsoDate = Schema.String.pipe(
  Schema.filter((value) => isoDateToEpochMs(value) !== undefined || `expected a date as YYYY-MM-DD, got "${value}"`),
  Schema.brand("IsoDate"),
)
export type IsoDate = typeof IsoDate.Type

export const addDays = (date: IsoDate, days: number): IsoDate =>
  epochMsToIsoDate((isoDateToEpochMs(date) as number) + days * DAY_MS) as IsoDate

/**
 * A window of whole UTC days, `start` and `end` both inclusive. The pipeline runs one window a
 * week; `next` moves both ends by exactly seven days.
 */
export class Week extends Schema.Class<Week>("Week")(
  Schema.Struct({ start: IsoDate, end: IsoDate }).pipe(
    Schema.filter(
      ({ start, end }) => end >= start || `week_end ${end} is before week_start ${start}: the window would be empty`,
    ),
  ),
) {
  get next(): Week {
    return new Week({ start: addDays(this.start, 7), end: addDays(this.end, 7) })
  }

  get days(): number {
    return Math.round(((isoDateToEpochMs(this.end) as number) - (isoDateToEpochMs(this.start) as number)) / DAY_MS) + 1
  }

  /** First microsecond of `start` (UTC). */
  get startMicros(): number {
    return (isoDateToEpochMs(this.start) as number) * 1000
  }

  /** First microsecond after `end` (UTC): the window is `[startMicros, endExclusiveMicros)`. */
  get endExclusiveMicros(): number {
    return ((isoDateToEpochMs(this.end) as number) + DAY_MS) * 1000
  }

  containsMicros(epochMicros: number): boolean {
    return epochMicros >= this.startMicros && epochMicros < this.endExclusiveMicros
  }

  /** The Hive-style partition directory, e.g. `week_start=2019-12-01/week_end=2019-12-07`. */
  get partition(): string {
    return `week_start=${this.start}/week_end=${this.end}`
  }

  override toString(): string {
    return `${this.start}..${this.end}`
  }
}

/** How the two ends of a window are called where they came from: flags, settings or a checkpoint. */
export interface WeekSource {
  readonly start: string
  readonly end: string
}

export const WeekFromSettings: WeekSource = { start: "WEEK_START", end: "WEEK_END" }
export const WeekFromFlags: WeekSource = { start: "--week-start", end: "--week-end" }

/** Parses a window, naming the offending setting, its value and the rule it breaks. */
export const parseWeek = (
  start: string,
  end: string,
  source: WeekSource = WeekFromSettings,
): Either.Either<Week, ConfigurationError> => {
  const bad = (setting: string, value: string, rule: string) => Either.left(invalidSetting(setting, rule, value))
  if (isoDateToEpochMs(start) === undefined) return bad(source.start, start, "must be a date as YYYY-MM-DD")
  if (isoDateToEpochMs(end) === undefined) return bad(source.end, end, "must be a date as YYYY-MM-DD")
  if (end < start) return bad(source.end, end, `must not be before ${source.start} ${start}`)
  return Either.right(new Week({ start: start as IsoDate, end: end as IsoDate }))
}
