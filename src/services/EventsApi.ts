import type { Effect, Option } from "effect"
import { Context, Duration, Schedule } from "effect"
import type { ApiError, AuthenticationError } from "../domain/Errors.js"
import type { Week } from "../domain/Week.js"

/**
 * One page of the events API. The records are kept as the bytes the API sent (a JSON
 * parse/stringify round trip would change a 19-digit `category_id`), already laid out as
 * `raw.ndjson` lines: one record a line, each ending in `\n`. Whitespace outside strings is the
 * only thing ever dropped, and only where a record spanned lines.
 */
export interface EventsPage {
  readonly page: number
  readonly records: number
  readonly ndjson: Uint8Array
  /** The record count of the whole window, when the response's metadata carries one. */
  readonly total: Option.Option<number>
}

export interface PageOptions {
  /** Overrides API_PAGE_SIZE for this request (`check-api` asks for one record). */
  readonly pageSize?: number
}

/**
 * The ecom events API: pages of raw records for a week, and a health check. Transient failures
 * (429, 5xx, connection, timeout) are retried inside; what comes out is final.
 */
export class EventsApi extends Context.Tag("retl/EventsApi")<
  EventsApi,
  {
    /** Records per page requested (API_PAGE_SIZE): a page with fewer is the last. */
    readonly pageSize: number
    readonly page: (
      week: Week,
      page: number,
      options?: PageOptions,
    ) => Effect.Effect<EventsPage, ApiError | AuthenticationError>
    /** `GET /health` answers 200: one attempt, no retry. */
    readonly health: Effect.Effect<void, ApiError>
  }
>() {}

export type ApiFailure = ApiError | AuthenticationError

/** Transient: 429, 5xx, a connection failure or a timeout. A refused key and other 4xx are final. */
export const isTransientApiFailure = (error: ApiFailure): boolean => {
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

const RETRY_BASE = Duration.seconds(2)
const RETRY_CAP = Duration.seconds(30)

export interface RetryTiming {
  /** The first wait; later ones double. */
  readonly base?: Duration.DurationInput
  /** No wait is longer than this, unless `Retry-After` says so. */
  readonly cap?: Duration.DurationInput
}

const retryAfterOf = (error: ApiFailure): Duration.Duration | undefined => {
  const ms = error.details.retry_after_ms
  return typeof ms === "number" ? Duration.millis(ms) : undefined
}

/**
 * How the events API is retried: transient failures only; waits 2 s, 4 s, 8 s ... each capped at
 * 30 s, or the `retry_after_ms` the failure carries (the server's `Retry-After`) instead;
 * `attempts` tries in all (API_MAX_RETRIES, the first included).
 */
export const apiRetry = (attempts: number, timing: RetryTiming = {}) => {
  const cap = Duration.decode(timing.cap ?? RETRY_CAP)
  return Schedule.identity<ApiFailure>().pipe(
    Schedule.intersect(
      Schedule.exponential(timing.base ?? RETRY_BASE).pipe(
        Schedule.modifyDelay((_, delay) => Duration.min(delay, cap)),
      ),
    ),
    Schedule.modifyDelay(([error], delay) => retryAfterOf(error) ?? delay),
    Schedule.intersect(Schedule.recurs(Math.max(0, attempts - 1))),
    Schedule.whileInput(isTransientApiFailure),
  )
}
