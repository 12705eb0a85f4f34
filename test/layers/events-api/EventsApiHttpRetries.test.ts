import { Effect, Either, Fiber, TestClock } from "effect"
import { parseWeek } from "../../../src/domain/Week.js"
import { pageRecords } from "../../../src/emulators/events-api/EcomDataGenerator.js"
import { type Fault, noFaults } from "../../../src/emulators/events-api/EcomFaults.js"
import { EventsApi } from "../../../src/services/EventsApi.js"
import {
  API_KEY,
  ecomApi,
  eventually,
  liveEventsApi,
  pageLines,
  passWaits,
  sleepingUntil,
  sleepingWhere,
} from "../../support/ecomApi.js"
import { assert, describe, it } from "../../support/vitest.js"

const week = Either.getOrThrow(parseWeek("2019-12-01", "2019-12-07"))
const data = { seed: 11, eventsPerWeek: 25, malformedPct: 0 }
const window = { start: week.start, end: week.end }

const withSequence = (sequence: ReadonlyArray<Fault>, extra: Partial<typeof noFaults> = {}) =>
  ecomApi({ data, faults: { ...noFaults, sequence, ...extra } })

const statuses = (api: { requests: () => ReadonlyArray<{ status: number; fault: Fault }> }) =>
  api.requests().map((r) => (r.fault === "ok" ? r.status : r.fault))

const page = (n: number) => Effect.flatMap(EventsApi, (events) => events.page(week, n))

describe("EventsApiHttp retries against the emulator (TestClock)", () => {
  it.scoped("429: waits exactly what Retry-After says, then 503 waits the next backoff step (4 s)", () =>
    Effect.gen(function* () {
      const api = yield* withSequence(["429", "503", "ok"], { retryAfterSeconds: 5 })
      const fiber = yield* Effect.fork(page(1).pipe(Effect.provide(liveEventsApi(api))))
      yield* sleepingUntil(5_000)
      assert.deepStrictEqual(statuses(api), ["429"])
      yield* TestClock.adjust("4999 millis")
      yield* sleepingUntil(5_000)
      assert.deepStrictEqual(statuses(api), ["429"], "no retry before Retry-After has passed")
      yield* TestClock.adjust("1 millis")
      yield* sleepingUntil(9_000)
      assert.deepStrictEqual(statuses(api), ["429", "503"])
      yield* TestClock.adjust("4 seconds")
      const result = yield* Fiber.join(fiber)
      assert.deepStrictEqual(statuses(api), ["429", "503", 200])
      assert.deepStrictEqual(pageLines(result), pageRecords(data, window, 1, 1000))
    }),
  )

  it.scoped("Retry-After as an HTTP date is honoured too", () =>
    Effect.gen(function* () {
      const api = yield* withSequence(["429", "ok"], { retryAfterSeconds: 20, retryAfterFormat: "date" })
      // The TestClock stands where the emulator's wall clock does, so the date means "in about 20 s".
      yield* TestClock.setTime(Date.now())
      const start = yield* TestClock.currentTimeMillis
      const fiber = yield* Effect.fork(page(1).pipe(Effect.provide(liveEventsApi(api))))
      yield* eventually("the emulator answered 429", () => api.requests().length === 1)
      yield* sleepingWhere("for the Retry-After date", (at) => at - start > 18_000 && at - start <= 21_000)
      const sleeps = [...(yield* TestClock.sleeps())].map((at) => at - start)
      // An HTTP date has whole seconds and the emulator's wall clock ran on while it answered, so
      // the wait is between 19 and 21 s: far above the 2 s backoff either way.
      assert.isTrue(
        sleeps.some((wait) => wait > 18_000 && wait <= 21_000),
        `waits: ${sleeps.join(", ")}`,
      )
      yield* TestClock.adjust("20 seconds")
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(statuses(api), ["429", 200])
    }),
  )

  it.scoped("503 three times: 2 s, then 4 s, then gives up with an ApiResponseError naming status, page and url", () =>
    Effect.gen(function* () {
      const api = yield* withSequence(["503", "503", "503", "ok"])
      const fiber = yield* Effect.fork(Effect.flip(page(3).pipe(Effect.provide(liveEventsApi(api)))))
      yield* sleepingUntil(2_000)
      yield* TestClock.adjust("2 seconds")
      yield* sleepingUntil(6_000)
      assert.deepStrictEqual(statuses(api), ["503", "503"])
      yield* TestClock.adjust("4 seconds")
      const error = yield* Fiber.join(fiber)
      assert.deepStrictEqual(statuses(api), ["503", "503", "503"], "API_MAX_RETRIES=3 attempts in all")
      assert.strictEqual(error._tag, "ApiResponseError")
      assert.strictEqual(error.details.status, 503)
      assert.strictEqual(error.details.page, 3)
      assert.match(
        String(error.details.url),
        /^http:\/\/127\.0\.0\.1:\d+\/datasets\/ecom_events\?start_date=2019-12-01/,
      )
      assert.notInclude(JSON.stringify(error), API_KEY)
    }),
  )

  it.scoped("a response slower than API_TIMEOUT_SECONDS is an ApiTimeoutError, retried after 2 s", () =>
    Effect.gen(function* () {
      const api = yield* withSequence(["slow", "ok"], { slowMs: 60_000 })
      const fiber = yield* Effect.fork(page(1).pipe(Effect.provide(liveEventsApi(api, { API_TIMEOUT_SECONDS: "10" }))))
      yield* eventually("the emulator holds the first request", () => api.requests().length === 1)
      yield* sleepingUntil(10_000)
      yield* TestClock.adjust("10 seconds")
      yield* sleepingUntil(12_000)
      assert.deepStrictEqual(statuses(api), ["slow"], "the timed-out attempt is not retried before 2 s")
      yield* TestClock.adjust("2 seconds")
      const result = yield* Fiber.join(fiber)
      assert.deepStrictEqual(statuses(api), ["slow", 200])
      assert.strictEqual(result.records, 25)
    }),
  )

  it.scoped("a timeout every time ends as ApiTimeoutError after the last attempt", () =>
    Effect.gen(function* () {
      const api = yield* withSequence(["slow", "slow"], { slowMs: 60_000 })
      const layer = liveEventsApi(api, { API_TIMEOUT_SECONDS: "5", API_MAX_RETRIES: "2" })
      const fiber = yield* Effect.fork(Effect.flip(page(1).pipe(Effect.provide(layer))))
      yield* passWaits(5_000, 7_000, 12_000)
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "ApiTimeoutError")
      assert.strictEqual(error.details.page, 1)
      assert.deepStrictEqual(statuses(api), ["slow", "slow"])
    }),
  )

  it.scoped("a connection dropped mid-body is an ApiConnectionError, retried after 2 s", () =>
    Effect.gen(function* () {
      const api = yield* withSequence(["drop", "ok"])
      const fiber = yield* Effect.fork(page(1).pipe(Effect.provide(liveEventsApi(api))))
      yield* sleepingUntil(2_000)
      assert.deepStrictEqual(statuses(api), ["drop"])
      yield* TestClock.adjust("2 seconds")
      const result = yield* Fiber.join(fiber)
      assert.deepStrictEqual(statuses(api), ["drop", 200])
      assert.deepStrictEqual(pageLines(result), pageRecords(data, window, 1, 1000))
    }),
  )

  it.scoped("a connection refused is an ApiConnectionError once every attempt is spent", () =>
    Effect.gen(function* () {
      const closed = { port: 1, url: "http://127.0.0.1:1", requests: () => [] }
      const fiber = yield* Effect.fork(Effect.flip(page(1).pipe(Effect.provide(liveEventsApi(closed)))))
      yield* passWaits(2_000, 6_000)
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "ApiConnectionError")
      assert.strictEqual(error.details.page, 1)
    }),
  )

  it.scoped(
    "a refused key is an AuthenticationError, never retried: 401 for a wrong key, 403 for a forbidden one",
    () =>
      Effect.gen(function* () {
        const cases = [
          { status: 401, api: yield* ecomApi({ data }), key: "not-the-key" },
          { status: 403, api: yield* withSequence(["403", "ok"]), key: API_KEY },
        ]
        for (const { status, api, key } of cases) {
          const fiber = yield* Effect.fork(
            Effect.flip(page(1).pipe(Effect.provide(liveEventsApi(api, { API_KEY: key })))),
          )
          yield* eventually("the emulator answered", () => api.requests().length === 1)
          yield* TestClock.adjust("10 minutes")
          const error = yield* Fiber.join(fiber)
          assert.strictEqual(error._tag, "AuthenticationError")
          assert.strictEqual(error.details.status, status)
          assert.strictEqual(api.requests().length, 1)
          assert.notInclude(JSON.stringify(error), "not-the-key")
        }
      }),
  )
})
