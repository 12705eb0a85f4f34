import { Effect, Either, Option } from "effect"
import { parseWeek } from "../../../src/domain/Week.js"
import { pageRecords } from "../../../src/emulators/events-api/EcomDataGenerator.js"
import { EventsApi } from "../../../src/services/EventsApi.js"
import { ecomApi, liveEventsApi, pageLines } from "../../support/ecomApi.js"
import { assert, describe, it } from "../../support/vitest.js"

const week = Either.getOrThrow(parseWeek("2019-12-01", "2019-12-07"))
const data = { seed: 11, eventsPerWeek: 25, malformedPct: 0 }
const window = { start: week.start, end: week.end }

const page = (n: number) => Effect.flatMap(EventsApi, (events) => events.page(week, n))

describe("EventsApiHttp against the emulator", () => {
  it.scopedLive("reads a page, sends the key and the window, and keeps every record's bytes", () =>
    Effect.gen(function* () {
      const api = yield* ecomApi({ data, withTotal: true })
      const result = yield* page(2).pipe(Effect.provide(liveEventsApi(api, { API_PAGE_SIZE: "10" })))
      assert.deepStrictEqual(pageLines(result), pageRecords(data, window, 2, 10))
      assert.strictEqual(result.records, 10)
      assert.deepStrictEqual(result.total, Option.some(25))
      const [seen] = api.requests()
      assert.deepInclude(seen, { page: 2, pageSize: 10, startDate: "2019-12-01", endDate: "2019-12-07", status: 200 })
    }),
  )

  it.scopedLive("a blank API_KEY is a ConfigurationError naming it: no request goes out without a key", () =>
    Effect.gen(function* () {
      const api = yield* ecomApi({ data })
      const error = yield* Effect.flip(page(1).pipe(Effect.provide(liveEventsApi(api, { API_KEY: " " }))))
      assert.strictEqual(error._tag, "ConfigurationError")
      assert.strictEqual(error.details.setting, "API_KEY")
      assert.strictEqual(api.requests().length, 0)
    }),
  )

  it.scopedLive("another 4xx is an ApiResponseError, not retried", () =>
    Effect.gen(function* () {
      const api = yield* ecomApi({ data })
      const error = yield* Effect.flip(
        Effect.flatMap(EventsApi, (events) => events.page(week, 1, { pageSize: 5000 })).pipe(
          Effect.provide(liveEventsApi(api)),
        ),
      )
      assert.strictEqual(error._tag, "ApiResponseError")
      assert.strictEqual(error.details.status, 400)
      assert.include(String(error.details.body), "page_size must be an integer from 1 to 1000")
      assert.strictEqual(api.requests().length, 1)
    }),
  )

  it.scopedLive("API_BASE_URL unset is a ConfigurationError naming it when the layer is built", () =>
    Effect.gen(function* () {
      const api = yield* ecomApi({ data })
      const error = yield* Effect.flip(page(1).pipe(Effect.provide(liveEventsApi(api, { API_BASE_URL: "" }))))
      assert.strictEqual(error._tag, "ConfigurationError")
      assert.strictEqual(error.details.setting, "API_BASE_URL")
    }),
  )

  it.scopedLive("health answers when the service is up, and fails without retry when it is not", () =>
    Effect.gen(function* () {
      const api = yield* ecomApi({ data })
      yield* Effect.flatMap(EventsApi, (events) => events.health).pipe(Effect.provide(liveEventsApi(api)))
      assert.deepStrictEqual(
        api.requests().map((r) => r.path),
        ["/health"],
      )
      const closed = { port: 1, url: "http://127.0.0.1:1", requests: () => [] }
      const error = yield* Effect.flip(
        Effect.flatMap(EventsApi, (events) => events.health).pipe(Effect.provide(liveEventsApi(closed))),
      )
      assert.strictEqual(error._tag, "ApiConnectionError")
    }),
  )
})
