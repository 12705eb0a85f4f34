import { Duration, Schedule } from "effect"
import type { ApiError, AuthenticationError } from "../../domain/Errors.js"

/**
 * How the events API client retries: 429, 5xx, connection failures and timeouts only; waits
 * 2 s, 4 s, 8 s ... each capped at 30 s, or what the server's `Retry-After` asks for instead;
 * API_MAX_RETRIES attempts in all.
 */
export const RETRY_BASE = Duration.seconds(2)
export const RETRY_CAP = Duration.seconds(30)
/** A `Retry-After` longer than this is cut to it: a run should not sleep for hours on one header. */
export const MAX_RETRY_AFTER = Duration.minutes(5)

export type ApiFailure = ApiError | AuthenticationError

export const isTransient = (error: ApiFailure): boolean => {
  switch (error._tag) {
    case "ApiConnectionError":
    case "ApiTimeoutError":
      return true
    case "ApiResponseError": {
      const status = error.details.status
      return typeof status === "number" && (status === 429 || status >= 500)
    }
    case "AuthenticationError":
      return false
  }
}

/** The wait a `Retry-After` header asks for (seconds or an HTTP date), capped at MAX_RETRY_AFTER. */
export const parseRetryAfter = (header: string | undefined, nowMillis: number): Duration.Duration | undefined => {
  if (header === undefined) return undefined
  const text = header.trim()
  const millis = /^\d+(\.\d+)?$/.test(text) ? Number(text) * 1000 : Date.parse(text) - nowMillis
  if (Number.isNaN(millis)) return undefined
  return Duration.min(Duration.millis(Math.max(0, Math.ceil(millis))), MAX_RETRY_AFTER)
}

const retryAfterOf = (error: ApiFailure): Duration.Duration | undefined => {
  const ms = error.details.retry_after_ms
  return typeof ms === "number" ? Duration.millis(ms) : undefined
}

export interface RetryTiming {
  /** The first wait; later ones double. */
  readonly base?: Duration.DurationInput
  /** No wait is longer than this, unless `Retry-After` says so. */
  readonly cap?: Duration.DurationInput
}

/** Retries transient failures, `attempts` tries in all (the first included). */
export const apiRetrySchedule = (attempts: number, timing: RetryTiming = {}) => {
  const cap = Duration.decode(timing.cap ?? RETRY_CAP)
  return Schedule.identity<ApiFailure>().pipe(
    Schedule.intersect(
      Schedule.exponential(timing.base ?? RETRY_BASE).pipe(
        Schedule.modifyDelay((_, delay) => Duration.min(delay, cap)),
      ),
    ),
    Schedule.modifyDelay(([error], delay) => retryAfterOf(error) ?? delay),
    Schedule.intersect(Schedule.recurs(Math.max(0, attempts - 1))),
    Schedule.whileInput(isTransient),
  )
}
