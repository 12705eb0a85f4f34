import { spawn } from "node:child_process"
import { Effect } from "effect"
import { Connection } from "jsforce"
import { BIN, jsonLines } from "../../support/cli.js"
import { assert, describe, it } from "../../support/vitest.js"

/** Starts `reverse-etl serve-salesforce` and resolves with the URL it prints on stdout. */
const serve = (args: ReadonlyArray<string>) => {
  const child = spawn(process.execPath, [BIN, "serve-salesforce", "--port", "0", ...args], {
    env: { PATH: process.env.PATH ?? "" },
    stdio: ["ignore", "pipe", "pipe"],
  })
  let stderr = ""
  child.stderr.on("data", (chunk) => {
    stderr += chunk
  })
  const url = new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      const line = String(chunk).trim()
      if (line.startsWith("http://127.0.0.1:")) resolve(line)
    })
    child.on("close", (code) => reject(new Error(`exited ${code}: ${stderr}`)))
  })
  // A server that exits early is asserted through `exit`; its URL promise must not reject unhandled.
  url.catch(() => undefined)
  const exit = new Promise<number | null>((resolve) => child.on("close", resolve))
  return { child, url, exit, stderr: () => stderr }
}

describe("reverse-etl serve-salesforce", () => {
  it.live("serves SOAP login and Bulk API to jsforce until interrupted, exiting 130", () =>
    Effect.gen(function* () {
      const server = serve([
        "--username",
        "demo@example.com",
        "--password",
        "pw",
        "--token",
        "tk",
        "--daily-batches",
        "7",
        "--parallel-batches",
        "2",
        "--batch-ms",
        "50",
      ])
      const url = yield* Effect.promise(() => server.url)
      const connection = new Connection({ loginUrl: url, version: "62.0" })
      const refused = yield* Effect.promise(() =>
        connection.login("demo@example.com", "wrong").catch((e: Error) => e.message),
      )
      assert.include(String(refused), "INVALID_LOGIN")
      yield* Effect.promise(() => connection.login("demo@example.com", "pwtk"))
      const job = connection.bulk2.createJob({ object: "Thing__c", operation: "upsert", externalIdFieldName: "Key__c" })
      const info = yield* Effect.promise(() => job.open())
      assert.strictEqual(info.state, "Open")
      const limits = yield* Effect.promise(() => connection.limits())
      assert.deepStrictEqual(limits.DailyBulkApiBatches, { Max: 7, Remaining: 7 })
      server.child.kill("SIGINT")
      assert.strictEqual(yield* Effect.promise(() => server.exit), 130)
      const [listening] = jsonLines(server.stderr()).filter((l) => l.message === "Salesforce emulator listening")
      assert.deepInclude(listening, { url, parallel_batches: 2, batch_ms: 50, daily_batches: 7 })
      assert.notInclude(server.stderr(), "pwtk")
    }),
  )

  it.live("refuses a malformed --fail-rule naming the flag", () =>
    Effect.gen(function* () {
      const server = serve(["--fail-rule", "not a rule"])
      const code = yield* Effect.promise(() => server.exit)
      assert.strictEqual(code, 1)
      assert.include(server.stderr(), "--fail-rule must look like FIELD=REGEX")
    }),
  )

  const badCounts: ReadonlyArray<readonly [string, string, string]> = [
    ["--daily-batches", "-1", "--daily-batches must be an integer ≥ 0 (got -1)"],
    ["--parallel-batches", "0", "--parallel-batches must be an integer ≥ 1 (got 0)"],
    ["--batch-ms", "-5", "--batch-ms must be an integer ≥ 0 (got -5)"],
  ]
  it.live.each(badCounts)("refuses %s %s naming the flag", ([flag, value, message]) =>
    Effect.gen(function* () {
      const server = serve([flag, value])
      assert.strictEqual(yield* Effect.promise(() => server.exit), 1)
      assert.include(server.stderr(), message)
    }),
  )
})
