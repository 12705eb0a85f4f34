import { Effect } from "effect"
import type { RunningEcomApi } from "../../../src/emulators/events-api/EcomApiServer.js"
import { pageRecords } from "../../../src/emulators/events-api/EcomDataGenerator.js"
import { type Fault, noFaults } from "../../../src/emulators/events-api/EcomFaults.js"
import { API_KEY, ecomApi } from "../../support/ecomApi.js"
import { assert, describe, it } from "../../support/vitest.js"

const data = { seed: 3, eventsPerWeek: 30, malformedPct: 0 }
const window = { start: "2019-12-01", end: "2019-12-07" }
const query = "start_date=2019-12-01&end_date=2019-12-07"

const get = (api: RunningEcomApi, path: string, key: string | null = API_KEY) =>
  Effect.promise(async () => {
    const response = await fetch(`${api.url}${path}`, { headers: key === null ? {} : { "X-API-KEY": key } })
    return { status: response.status, headers: response.headers, body: await response.text() }
  })

const sequence = (...steps: ReadonlyArray<Fault>) => ({ ...noFaults, sequence: steps })

describe("the ecom events API emulator", () => {
  it.scopedLive("answers /health without a key", () =>
    Effect.gen(function* () {
      const api = yield* ecomApi({ data })
      assert.match(api.url, /^http:\/\/127\.0\.0\.1:\d+$/)
      const health = yield* get(api, "/health", null)
      assert.strictEqual(health.status, 200)
      assert.deepStrictEqual(JSON.parse(health.body), { status: "ok" })
    }),
  )

  it.scopedLive("serves a page in each envelope, with the total when asked, category_id as a bare number", () =>
    Effect.gen(function* () {
      const records = pageRecords(data, window, 2, 10).join(",")
      const bare = yield* get(
        yield* ecomApi({ data, envelope: "bare", withTotal: true }),
        `/datasets/ecom_events?${query}&page=2&page_size=10`,
      )
      assert.strictEqual(bare.body, `[${records}]`)
      assert.strictEqual(bare.headers.get("content-type"), "application/json")
      for (const envelope of ["data", "events", "results", "items"] as const) {
        const api = yield* ecomApi({ data, envelope, withTotal: true })
        const page = yield* get(api, `/datasets/ecom_events?${query}&page=2&page_size=10`)
        assert.strictEqual(page.body, `{"${envelope}":[${records}],"meta":{"page":2,"page_size":10,"total":30}}`)
      }
      const plain = yield* get(
        yield* ecomApi({ data, envelope: "items" }),
        `/datasets/ecom_events?${query}&page=4&page_size=10`,
      )
      assert.strictEqual(plain.body, '{"items":[]}')
      assert.match(records, /"category_id":\d{19},/)
    }),
  )

  it.scopedLive("refuses a missing or wrong key with 401, bad parameters with 400, other paths with 404", () =>
    Effect.gen(function* () {
      const api = yield* ecomApi({ data })
      const path = `/datasets/ecom_events?${query}&page=1`
      assert.strictEqual((yield* get(api, path, null)).status, 401)
      assert.strictEqual((yield* get(api, path, "wrong")).status, 401)
      const bad = yield* get(api, "/datasets/ecom_events?start_date=2019-12-07&end_date=2019-12-01")
      assert.strictEqual(bad.status, 400)
      assert.include(bad.body, "end_date must not be before start_date")
      assert.strictEqual((yield* get(api, `/datasets/ecom_events?${query}&page=0`)).status, 400)
      assert.strictEqual((yield* get(api, "/nowhere")).status, 404)
      assert.deepStrictEqual(
        api.requests().map((r) => r.status),
        [401, 401, 400, 400],
      )
    }),
  )

  it.scopedLive("injects 429 with Retry-After in seconds or as an HTTP date, and 5xx", () =>
    Effect.gen(function* () {
      const path = `/datasets/ecom_events?${query}`
      const seconds = yield* ecomApi({ data, faults: { ...sequence("429", "502"), retryAfterSeconds: 7 } })
      const limited = yield* get(seconds, path)
      assert.strictEqual(limited.status, 429)
      assert.strictEqual(limited.headers.get("retry-after"), "7")
      assert.strictEqual((yield* get(seconds, path)).status, 502)
      assert.strictEqual((yield* get(seconds, path)).status, 200)
      const dated = yield* ecomApi({ data, faults: { ...sequence("429"), retryAfterFormat: "date" } })
      const header = (yield* get(dated, path)).headers.get("retry-after") ?? ""
      assert.match(header, /^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/)
      assert.isAtLeast(Date.parse(header), Date.now() - 1_000)
    }),
  )

  it.scopedLive("drops a connection halfway through the body", () =>
    Effect.gen(function* () {
      const api = yield* ecomApi({ data, faults: sequence("drop") })
      const error = yield* Effect.tryPromise(() =>
        fetch(`${api.url}/datasets/ecom_events?${query}`, { headers: { "X-API-KEY": API_KEY } }).then((r) => r.text()),
      ).pipe(Effect.flip)
      // The headers promised the whole page; the socket closed before it came.
      assert.match(String((error.error as Error).cause), /other side closed|socket/i)
      assert.deepStrictEqual(
        api.requests().map((r) => r.fault),
        ["drop"],
      )
    }),
  )

  it.scopedLive("holds a slow response for slowMs, then answers in full", () =>
    Effect.gen(function* () {
      const api = yield* ecomApi({ data, faults: { ...sequence("slow"), slowMs: 300 } })
      const started = Date.now()
      const page = yield* get(api, `/datasets/ecom_events?${query}&page_size=5`)
      assert.isAtLeast(Date.now() - started, 290)
      assert.strictEqual(page.body, `{"data":[${pageRecords(data, window, 1, 5).join(",")}]}`)
    }),
  )
})
