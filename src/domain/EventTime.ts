/**
 * Event timestamps as epoch microseconds (UTC). The dataset writes `2019-11-01 00:00:03 UTC`;
 * other producers send ISO-8601 with `Z`, with an offset, or with no zone at all. A timestamp
 * with no zone is UTC, never the host's zone, so `Date.parse` (which reads it as local time) is
 * not used.
 */
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/i

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

const isLeap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0

const offsetMinutes = (zone: string | undefined): number => {
  if (zone === undefined || /^(z|utc|gmt)$/i.test(zone)) return 0
  const sign = zone.startsWith("-") ? -1 : 1
  const digits = zone.slice(1).replace(":", "")
  const hours = Number(digits.slice(0, 2))
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0
  if (hours > 23 || minutes > 59) return Number.NaN
  return sign * (hours * 60 + minutes)
}

/** Epoch microseconds of `text`, or `undefined` when it is not a timestamp this pipeline accepts. */
export const parseEventTime = (text: string): number | undefined => {
  const m = TIMESTAMP.exec(text.trim())
  if (m === null) return undefined
  const year = Number(m[1])
  const month = Number(m[2])
  const day = Number(m[3])
  const hour = Number(m[4] ?? 0)
  const minute = Number(m[5] ?? 0)
  const second = Number(m[6] ?? 0)
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined
  const maxDay = month === 2 && !isLeap(year) ? 28 : (DAYS_IN_MONTH[month - 1] as number)
  if (day > maxDay) return undefined
  const offset = offsetMinutes(m[8])
  if (Number.isNaN(offset)) return undefined
  const micros = Number((m[7] ?? "").padEnd(6, "0").slice(0, 6))
  const ms = Date.UTC(year, month - 1, day, hour, minute, second) - offset * 60_000
  return ms * 1000 + micros
}

/** `2019-11-01T00:00:03.000000Z`: ISO-8601 UTC with all six fractional digits. */
export const formatMicros = (epochMicros: number): string => {
  const ms = Math.floor(epochMicros / 1000)
  const micros = epochMicros - ms * 1000
  const iso = new Date(ms).toISOString() // ...T00:00:03.123Z
  return `${iso.slice(0, 23)}${String(micros).padStart(3, "0")}Z`
}
