import { spawn } from "node:child_process"
import { Effect } from "effect"
import { BIN, jsonLines, runCli } from "../../support/cli.js"
import { assert, describe, it } from "../../support/vitest.js"

describe("reverse-etl serve-api", () => {
  it.live("serves the emulator on the port it logs, until SIGTERM", () =>
    Effect.gen(function* () {
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
      const url = yield* Effect.promise(
        () =>
          new Promise<string>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`no listening line: ${stderr}`)), 20_000)
            child.stderr.on("data", (chunk) => {
              stderr += chunk
              const line = jsonLines(stderr).find((l) => l.message === "Ecom events API emulator listening")
              if (line !== undefined) {
                clearTimeout(timer)
                resolve(String(line.url))
              }
            })
          }),
      )
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)
      const body = yield* Effect.promise(async () => {
        const page = await fetch(`${url}/datasets/ecom_events?start_date=2019-12-01&end_date=2019-12-07`, {
          headers: { "X-API-KEY": "s3cret-key" },
        })
        return (await page.text()).replace(/"category_id":(\d+)/g, '"category_id":"$1"')
      })
      assert.deepStrictEqual(JSON.parse(body).meta, { page: 1, page_size: 1000, total: 5 })
      assert.strictEqual(JSON.parse(body).items.length, 5)
      const unkeyed = yield* Effect.promise(() =>
        fetch(`${url}/datasets/ecom_events?start_date=2019-12-01&end_date=2019-12-07`),
      )
      assert.strictEqual(unkeyed.status, 401)
      child.kill("SIGTERM")
      assert.strictEqual(yield* Effect.promise(() => exited), 130)
      assert.notInclude(stderr, "s3cret-key")
    }),
  )

  it.live("refuses a bad --fault naming the flag", () =>
    Effect.gen(function* () {
      const result = yield* runCli(["serve-api", "--fault", "teapot:5"])
      assert.strictEqual(result.code, 1)
      const failure = jsonLines(result.stderr).find((l) => l.error_type === "ConfigurationError")
      assert.deepInclude(failure?.error_details as object, { setting: "--fault", value: "teapot:5" })
    }),
  )
})
