import type { HttpClientResponse } from "@effect/platform"
import type { HttpClientError } from "@effect/platform/HttpClientError"
import { Clock, Duration, Effect, Option } from "effect"
import { ApiConnectionError, ApiResponseError, AuthenticationError } from "../../domain/Errors.js"
import type { Week } from "../../domain/Week.js"
import type { EventsPage } from "../../services/EventsApi.js"
import { scanEventsBody } from "./EventsPageBody.js"
import { parseRetryAfter } from "./RetryAfter.js"

const ERROR_BODY_CHARS = 300

const causeText = (error: HttpClientError): string => {
  const cause = error.cause
  return cause instanceof Error
    ? `${cause.message}${cause.cause instanceof Error ? ` (${cause.cause.message})` : ""}`
    : ""
}

/** An answer other than 2xx: a refused key, or a status to retry or not. */
export const failedStatus = (response: HttpClientResponse.HttpClientResponse, url: string, page: number | undefined) =>
  Effect.gen(function* () {
    const status = response.status
    const body = yield* response.text.pipe(
      Effect.map((text) => text.slice(0, ERROR_BODY_CHARS)),
      Effect.orElseSucceed(() => ""),
    )
    if (status === 401 || status === 403) {
      return yield* new AuthenticationError({
        message: `the events API refused the API key (HTTP ${status})`,
        details: { url, status, page, body },
      })
    }
    const retryAfter = parseRetryAfter(response.headers["retry-after"], yield* Clock.currentTimeMillis)
    return yield* new ApiResponseError({
      message: `the events API answered HTTP ${status}${page === undefined ? "" : ` for page ${page}`}`,
      details: {
        url,
        status,
        page,
        body,
        ...(retryAfter === undefined ? {} : { retry_after_ms: Duration.toMillis(retryAfter) }),
      },
    })
  })

/** The HttpClient's own failure to reach the API or to read its answer, as ours. */
export const transportError =
  (url: string, page: number | undefined) =>
  (error: HttpClientError): ApiConnectionError =>
    error._tag === "RequestError"
      ? new ApiConnectionError({
          message: `could not reach the events API at ${url}: ${causeText(error) || error.reason}`,
          details: { url, page, reason: error.reason },
        })
      : new ApiConnectionError({
          message: `the connection broke while reading ${url}: ${causeText(error) || error.reason}`,
          details: { url, page, status: error.response.status, reason: error.reason },
        })

/** Reads a page's body into the records' `raw.ndjson` lines. */
export const readPage = (week: Week, page: number) => (response: HttpClientResponse.HttpClientResponse, url: string) =>
  Effect.flatMap(
    response.arrayBuffer.pipe(
      Effect.mapError(
        (error) =>
          new ApiConnectionError({
            message: `the connection broke while reading ${url}: ${causeText(error) || error.reason}`,
            details: { url, page, status: response.status, reason: error.reason },
          }),
      ),
    ),
    (buffer): Effect.Effect<EventsPage, ApiResponseError> => {
      const scanned = scanEventsBody(new Uint8Array(buffer))
      if ("problem" in scanned) {
        return Effect.fail(
          new ApiResponseError({
            message: `page ${page} of ${week.start}..${week.end}: ${scanned.problem}`,
            details: { url, status: response.status, page },
          }),
        )
      }
      return Effect.succeed({
        page,
        records: scanned.records,
        ndjson: scanned.ndjson,
        total: Option.fromNullable(scanned.total),
      })
    },
  )
