import { Effect } from "effect"
import { jsonLines, runCli } from "../../support/cli.js"
import { API_KEY, ecomApi } from "../../support/ecomApi.js"
import { assert, describe, it } from "../../support/vitest.js"

const data = { seed: 1, eventsPerWeek: 20, malformedPct: 0 }

describe("reverse-etl check-api", () => {
  it.scopedLive("reports reachability, auth and latency, exit 0", () =>
    Effect.gen(function* () {
      const api = yield* ecomApi({ data })
      const result = yield* runCli(["check-api"], {
        env: { API_BASE_URL: api.url, API_KEY, WEEK_START: "2019-12-01", WEEK_END: "2019-12-07" },
      })
      assert.strictEqual(result.code, 0, result.stderr)
      assert.match(result.stdout, new RegExp(`^Events API ${api.url}\n`))
      assert.match(result.stdout, /reachable: yes \(GET \/health answered in \d+ ms\)/)
      assert.match(result.stdout, /auth: +ok \(page 1 of 2019-12-01\.\.2019-12-07: 1 record in \d+ ms\)/)
      assert.deepStrictEqual(
        api.requests().map((r) => [r.path, r.page, r.pageSize]),
        [
          ["/health", undefined, undefined],
          ["/datasets/ecom_events", 1, 1],
        ],
      )
    }),
  )

  it.scopedLive("exits 1 when the key is refused, without printing it", () =>
    Effect.gen(function* () {
      const api = yield* ecomApi({ data })
      const result = yield* runCli(["check-api"], { env: { API_BASE_URL: api.url, API_KEY: "wrong-key-7731" } })
      assert.strictEqual(result.code, 1)
      assert.include(result.stdout, "reachable: yes")
      assert.include(
        result.stdout,
        "auth:      refused (AuthenticationError: the events API refused the API key (HTTP 401))",
      )
      assert.include(
        jsonLines(result.stderr).map((l) => l.error_type),
        "AuthenticationError",
      )
      assert.notInclude(result.stdout + result.stderr, "wrong-key-7731")
    }),
  )

  it.live("exits 1 when nothing answers, without trying the key", () =>
    Effect.gen(function* () {
      const result = yield* runCli(["check-api"], { env: { API_BASE_URL: "http://127.0.0.1:1", API_KEY: "k-1234" } })
      assert.strictEqual(result.code, 1)
      assert.include(result.stdout, "reachable: no (ApiConnectionError: could not reach the events API")
      assert.include(result.stdout, "auth:      not checked")
    }),
  )

  it.live("exits 1 naming API_BASE_URL when it is not set", () =>
    Effect.gen(function* () {
      const result = yield* runCli(["check-api"], { env: { API_KEY: "k-1234" } })
      assert.strictEqual(result.code, 1)
      const failure = jsonLines(result.stderr).find((l) => l.error_type === "ConfigurationError")
      assert.strictEqual(failure?.error_message, "API_BASE_URL must be set to reach the events API")
    }),
  )
})
