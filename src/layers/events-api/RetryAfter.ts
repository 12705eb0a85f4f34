import { Duration } from "effect"

/** A `Retry-After` longer than this is cut to it: a run should not sleep for hours on one header. */
const MAX_RETRY_AFTER = Duration.minutes(5)

/** The wait a `Retry-After` header asks for (seconds or an HTTP date), capped at MAX_RETRY_AFTER. */
export const parseRetryAfter = (header: string | undefined, nowMillis: number): Duration.Duration | undefined => {
  if (header === undefined) return undefined
  const text = header.trim()
  const millis = /^\d+(\.\d+)?$/.test(text) ? Number(text) * 1000 : Date.parse(text) - nowMillis
  if (Number.isNaN(millis)) return undefined
  return Duration.min(Duration.millis(Math.max(0, Math.ceil(millis))), MAX_RETRY_AFTER)
}
