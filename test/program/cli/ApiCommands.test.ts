import { spawn } from "node:child_process"
import { Effect } from "effect"
import { BIN, jsonLines, runCli } from "../../support/cli.js"
import { API_KEY, ecomApi } from "../../support/ecomApi.js"
import { assert, describe, it } from "../../support/vitest.js"

const data = { seed: 1, eventsPerWeek: 20, malformedPct: 0 }

describe("reverse-etl check-api", () => {
  it.scopedLive("reports reachability, auth and latency, exit 0", () =>
    Effect.gen(function* () {
      const api = yield* ecomApi({ data })
      const result = yield* Effect.promise(() =>
        runCli(["check-api"], {
          env: { API_BASE_URL: api.url, API_KEY, WEEK_START: "2019-12-01", WEEK_END: "2019-12-07" },
        }),
      )
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
      const result = yield* Effect.promise(() =>
        runCli(["check-api"], { env: { API_BASE_URL: api.url, API_KEY: "wrong-key-7731" } }),
      )
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

  it("exits 1 when nothing answers, without trying the key", async () => {
    const result = await runCli(["check-api"], { env: { API_BASE_URL: "http://127.0.0.1:1", API_KEY: "k-1234" } })
    assert.strictEqual(result.code, 1)
    assert.include(result.stdout, "reachable: no (ApiConnectionError: could not reach the events API")
    assert.include(result.stdout, "auth:      not checked")
  })

  it("exits 1 naming API_BASE_URL when it is not set", async () => {
    const result = await runCli(["check-api"], { env: { API_KEY: "k-1234" } })
    assert.strictEqual(result.code, 1)
    const failure = jsonLines(result.stderr).find((l) => l.error_type === "ConfigurationError")
    assert.strictEqual(failure?.error_message, "API_BASE_URL must be set to reach the events API")
  })
})

describe("reverse-etl serve-api", () => {
  it("serves the emulator on the port it logs, until SIGTERM", async () => {
    const child = spawn(
      process.execPath,
      [
        BIN,
        "serve-api",
        "--port",
        "0",
        "--events-per-week",
        "5",
        "--envelope",
        "items",
        "--with-total",
        "--api-key",
        "s3cret-key",
      ],
      { env: { PATH: process.env.PATH ?? "" }, stdio: ["ignore", "pipe", "pipe"] },
    )
    let stderr = ""
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve))
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line: ${stderr}`)), 20_000)
      child.stderr.on("data", (chunk) => {
        stderr += chunk
        const line = jsonLines(stderr).find((l) => l.message === "Ecom events API emulator listening")
        if (line !== undefined) {
          clearTimeout(timer)
          resolve(String(line.url))
        }
      })
    })
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)
    const page = await fetch(`${url}/datasets/ecom_events?start_date=2019-12-01&end_date=2019-12-07`, {
      headers: { "X-API-KEY": "s3cret-key" },
    })
    const body = (await page.text()).replace(/"category_id":(\d+)/g, '"category_id":"$1"')
    assert.deepStrictEqual(JSON.parse(body).meta, { page: 1, page_size: 1000, total: 5 })
    assert.strictEqual(JSON.parse(body).items.length, 5)
    assert.strictEqual(
      (await fetch(`${url}/datasets/ecom_events?start_date=2019-12-01&end_date=2019-12-07`)).status,
      401,
    )
    child.kill("SIGTERM")
    assert.strictEqual(await exited, 130)
    assert.notInclude(stderr, "s3cret-key")
  })

  it("refuses a bad --fault naming the flag", async () => {
    const result = await runCli(["serve-api", "--fault", "teapot:5"])
    assert.strictEqual(result.code, 1)
    const failure = jsonLines(result.stderr).find((l) => l.error_type === "ConfigurationError")
    assert.deepInclude(failure?.error_details as object, { setting: "--fault", value: "teapot:5" })
  })
})
