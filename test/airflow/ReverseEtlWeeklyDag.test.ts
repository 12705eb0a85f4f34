import { spawn } from "node:child_process"
import { Effect } from "effect"
import { BIN } from "../support/cli.js"
import { assert, describe, it } from "../support/vitest.js"

/** Runs the DAG's Python tests (test/airflow/test_reverse_etl_weekly.py) against the built CLI. */
const runPythonTests = () =>
  new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn("python3", ["-m", "unittest", "discover", "-v", "-s", "test/airflow", "-p", "test_*.py"], {
      env: {
        PATH: process.env.PATH ?? "",
        RETL_BIN: BIN,
        RETL_NODE: process.execPath,
        NO_PROXY: "127.0.0.1,localhost",
        PYTHONDONTWRITEBYTECODE: "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    })
    let output = ""
    child.stdout.on("data", (chunk) => {
      output += chunk
    })
    child.stderr.on("data", (chunk) => {
      output += chunk
    })
    child.on("error", (error) => reject(new Error(`python3 could not start (the DAG tests need it): ${error.message}`)))
    child.on("close", (code) => resolve({ code, output }))
  })

describe("Airflow DAG reverse_etl_customer_weekly", () => {
  it.live(
    "passes its Python tests: shape, rendering, Slack, and every rendered command against the real CLI",
    () =>
      Effect.gen(function* () {
        const { code, output } = yield* Effect.promise(runPythonTests)
        assert.strictEqual(code, 0, output)
        const ran = /^Ran (\d+) tests? in/m.exec(output)
        assert.isAtLeast(Number(ran?.[1] ?? 0), 19, output)
        assert.notMatch(output, /skipped/i, "no DAG test may be skipped")
      }),
    90_000,
  )
})
