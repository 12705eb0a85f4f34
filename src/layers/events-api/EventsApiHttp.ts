import { HttpClient, HttpClientRequest, type HttpClientResponse } from "@effect/platform"
import type { HttpClientError } from "@effect/platform/HttpClientError"
import { Clock, Duration, Effect, Layer, Option, Redacted, Schedule, ScheduleDecision, ScheduleIntervals } from "effect"
import {
  ApiConnectionError,
  ApiResponseError,
  ApiTimeoutError,
  AuthenticationError,
  ConfigurationError,
} from "../../domain/Errors.js"
import type { Week } from "../../domain/Week.js"
import { AppConfig } from "../../services/AppConfig.js"
import {
  type ApiFailure,
  apiRetry,
  EventsApi,
  type EventsPage,
  type PageOptions,
  type RetryTiming,
} from "../../services/EventsApi.js"
import { scanEventsBody } from "./EventsPageBody.js"
import { makeRateGate } from "./RateGate.js"
import { parseRetryAfter } from "./RetryAfter.js"

export interface EventsApiHttpOptions {
  /** Retry waits; the production 2 s / 30 s unless a caller (a real-time test) shortens them. */
  readonly retry?: RetryTiming
}

const ERROR_BODY_CHARS = 300

const required = <A>(value: Option.Option<A>, setting: string) =>
  Option.match(value, {
    onSome: Effect.succeed,
    onNone: () =>
      Effect.fail(
        new ConfigurationError({
          message: `${setting} must be set to reach the events API`,
          details: { setting, rule: "required by extract and check-api" },
        }),
      ),
  })

/** The base URL as it may appear in logs and errors: no user or password in it. */
const publicBase = (baseUrl: string): string => {
  const url = new URL(baseUrl)
  url.username = ""
  url.password = ""
  return url.toString().replace(/\/+$/, "")
}

const causeText = (error: HttpClientError): string => {
  const cause = error.cause
  return cause instanceof Error
    ? `${cause.message}${cause.cause instanceof Error ? ` (${cause.cause.message})` : ""}`
    : ""
}

const failedStatus = (response: HttpClientResponse.HttpClientResponse, url: string, page: number | undefined) =>
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

const make = (options: EventsApiHttpOptions) =>
  Effect.gen(function* () {
    const { api } = yield* AppConfig
    const baseUrl = yield* required(api.baseUrl, "API_BASE_URL")
    const apiKey = yield* required(api.apiKey, "API_KEY")
    const base = publicBase(baseUrl)
    const client = yield* HttpClient.HttpClient
    const gate = yield* makeRateGate(Duration.seconds(api.rateLimitDelaySeconds))
    const timeout = Duration.seconds(api.timeoutSeconds)

    const logRetry = (
      out: readonly [readonly [ApiFailure, unknown], number],
      decision: ScheduleDecision.ScheduleDecision,
    ) =>
      ScheduleDecision.isContinue(decision)
        ? Effect.flatMap(Clock.currentTimeMillis, (now) =>
            Effect.logWarning("Events API request failed, retrying").pipe(
              Effect.annotateLogs({
                error_type: out[0][0]._tag,
                error_message: out[0][0].message,
                status: out[0][0].details.status,
                page: out[0][0].details.page,
                attempt: out[1] + 1,
                retry_in_ms: Math.max(0, ScheduleIntervals.start(decision.intervals) - now),
              }),
            ),
          )
        : Effect.void
    const retry = apiRetry(api.maxRetries, options.retry).pipe(Schedule.onDecision(logRetry))

    /** One attempt: wait for a slot, then send and read within the timeout, errors mapped to ours. */
    const attempt = <A>(
      path: string,
      page: number | undefined,
      read: (response: HttpClientResponse.HttpClientResponse, url: string) => Effect.Effect<A, ApiFailure>,
    ) => {
      const url = `${base}${path}`
      const request = HttpClientRequest.get(`${baseUrl}${path}`).pipe(
        HttpClientRequest.setHeader("X-API-KEY", Redacted.value(apiKey)),
        HttpClientRequest.acceptJson,
      )
      return gate.pipe(
        Effect.zipRight(
          client.execute(request).pipe(
            Effect.flatMap((response) =>
              response.status >= 200 && response.status < 300 ? read(response, url) : failedStatus(response, url, page),
            ),
            Effect.catchTags({
              RequestError: (error) =>
                Effect.fail(
                  new ApiConnectionError({
                    message: `could not reach the events API at ${url}: ${causeText(error) || error.reason}`,
                    details: { url, page, reason: error.reason },
                  }),
                ),
              ResponseError: (error) =>
                Effect.fail(
                  new ApiConnectionError({
                    message: `the connection broke while reading ${url}: ${causeText(error) || error.reason}`,
                    details: { url, page, status: error.response.status, reason: error.reason },
                  }),
                ),
            }),
            Effect.timeoutFail({
              duration: timeout,
              onTimeout: () =>
                new ApiTimeoutError({
                  message: `the events API did not answer ${url} within ${api.timeoutSeconds} s`,
                  details: { url, page, timeout_seconds: api.timeoutSeconds },
                }),
            }),
          ),
        ),
      )
    }

    const readPage = (week: Week, page: number) => (response: HttpClientResponse.HttpClientResponse, url: string) =>
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

    const page = Effect.fn("EventsApi.page")(function* (week: Week, page: number, pageOptions: PageOptions = {}) {
      yield* Effect.annotateCurrentSpan("page", page)
      const query = new URLSearchParams({
        start_date: week.start,
        end_date: week.end,
        page: String(page),
        page_size: String(pageOptions.pageSize ?? api.pageSize),
      })
      return yield* attempt(`/datasets/ecom_events?${query}`, page, readPage(week, page)).pipe(Effect.retry(retry))
    })

    const health = Effect.fn("EventsApi.health")(() =>
      attempt("/health", undefined, (response) => Effect.ignore(response.text)).pipe(
        Effect.catchTag("AuthenticationError", (error) =>
          Effect.fail(new ApiResponseError({ message: error.message, details: error.details })),
        ),
      ),
    )

    return EventsApi.of({ pageSize: api.pageSize, page, health: health() })
  })

/**
 * The events API over @effect/platform's HttpClient: `X-API-KEY` on every request, one request
 * start per API_RATE_LIMIT_DELAY across every fiber (retries included), API_TIMEOUT_SECONDS per
 * attempt (headers and body), transient failures retried on `apiRetry`. Needs an HttpClient
 * (NodeHttpClient at the entry point); fails naming API_BASE_URL or API_KEY when unset.
 */
export const layer: Layer.Layer<EventsApi, ConfigurationError, AppConfig | HttpClient.HttpClient> = Layer.effect(
  EventsApi,
  make({}),
)

/** The same with other retry waits, for tests that run in real time. */
export const layerWith = (
  options: EventsApiHttpOptions,
): Layer.Layer<EventsApi, ConfigurationError, AppConfig | HttpClient.HttpClient> =>
  Layer.effect(EventsApi, make(options))
