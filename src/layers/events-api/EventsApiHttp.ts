import { HttpClient, HttpClientRequest, type HttpClientResponse } from "@effect/platform"
import { Clock, Duration, Effect, Layer, Option, Redacted, Schedule, ScheduleDecision, ScheduleIntervals } from "effect"
import { ApiResponseError, ApiTimeoutError, ConfigurationError } from "../../domain/Errors.js"
import type { Week } from "../../domain/Week.js"
import { AppConfig } from "../../services/AppConfig.js"
import { type ApiFailure, apiRetry, EventsApi, type PageOptions, type RetryTiming } from "../../services/EventsApi.js"
import { failedStatus, readPage, transportError } from "./EventsApiResponses.js"
import { makeRateGate } from "./RateGate.js"

export interface EventsApiHttpOptions {
  /** Retry waits; the production 2 s / 30 s unless a caller (a real-time test) shortens them. */
  readonly retry?: RetryTiming
}

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

/** One warning a retry, with what failed and when the next attempt starts. */
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

const make = (options: EventsApiHttpOptions) =>
  Effect.gen(function* () {
    const { api } = yield* AppConfig
    const baseUrl = yield* required(api.baseUrl, "API_BASE_URL")
    const apiKey = yield* required(api.apiKey, "API_KEY")
    const base = publicBase(baseUrl)
    const client = yield* HttpClient.HttpClient
    const gate = yield* makeRateGate(Duration.seconds(api.rateLimitDelaySeconds))
    const timeout = Duration.seconds(api.timeoutSeconds)

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
            Effect.mapError(transportError(url, page)),
            Effect.flatMap((response) =>
              response.status >= 200 && response.status < 300 ? read(response, url) : failedStatus(response, url, page),
            ),
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
