import { readFileSync } from "node:fs"
import { Effect } from "effect"
import { VERSION } from "../../../src/program/cli/Version.js"
import { jsonLines, runCli } from "../../support/cli.js"
import { assert, describe, it } from "../../support/vitest.js"

describe("reverse-etl CLI", () => {
  it.live("lists its commands in --help", () =>
    Effect.gen(function* () {
      const result = yield* runCli(["--help"])
      assert.strictEqual(result.code, 0)
      for (const command of ["run", "check-api", "db", "serve-api", "serve-adls", "serve-salesforce"]) {
        assert.include(result.stdout, `- ${command}`)
      }
    }),
  )

  it.live("prints the package's version", () =>
    Effect.gen(function* () {
      const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { version: string }
      assert.strictEqual(VERSION, pkg.version)
      const result = yield* runCli(["--version"])
      assert.strictEqual(result.stdout.trim(), pkg.version)
    }),
  )

  it.live("has --help on every command", () =>
    Effect.gen(function* () {
      const result = yield* runCli(["run", "--help"])
      assert.strictEqual(result.code, 0)
      for (const flag of [
        "--week-start",
        "--week-end",
        "--use-checkpoint",
        "--stage",
        "--local-only",
        "--dry-run",
        "--force",
        "--advance-on-skip",
        "--require-salesforce",
        "--full-resync",
        "--log-format",
      ]) {
        assert.include(result.stdout, flag)
      }
    }),
  )

  it.live("exits 1 naming the rule when the week ends before it starts", () =>
    Effect.gen(function* () {
      const result = yield* runCli(["run", "--week-start", "2019-12-07", "--week-end", "2019-12-01"])
      assert.strictEqual(result.code, 1)
      const [line] = jsonLines(result.stderr)
      assert.strictEqual(line?.error_type, "ConfigurationError")
      assert.strictEqual(
        line?.error_message,
        '--week-end must not be before --week-start 2019-12-07 (got "2019-12-01")',
      )
      assert.strictEqual(typeof line?.correlation_id, "string")
    }),
  )

  it.live("exits 1 naming every broken setting, and never prints a secret", () =>
    Effect.gen(function* () {
      const result = yield* runCli(["run", "--week-start", "2019-12-01", "--week-end", "2019-12-07"], {
        env: { API_TIMEOUT_SECONDS: "0", API_KEY: "cli-secret-key-42", SF_PASSWORD: "cli-sf-pass" },
      })
      assert.strictEqual(result.code, 1)
      assert.include(result.stderr, "API_TIMEOUT_SECONDS must be an integer from 1 to 300")
      assert.notInclude(result.stderr + result.stdout, "cli-secret-key-42")
      assert.notInclude(result.stderr + result.stdout, "cli-sf-pass")
    }),
  )

  it.live("refuses an unknown flag with exit 1", () =>
    Effect.gen(function* () {
      const result = yield* runCli(["run", "--no-such-flag"])
      assert.strictEqual(result.code, 1)
    }),
  )

  it.live("run --validate-only prints the plan as one JSON line on stdout and exits 0; a bad flag still exits 1", () =>
    Effect.gen(function* () {
      const ok = yield* runCli(["run", "--validate-only", "--stage", "quality-gate", "--use-checkpoint", "--force"], {
        env: { AIRFLOW_CTX_DAG_RUN_ID: "manual__2019-12-01T00:00:00+00:00" },
      })
      assert.strictEqual(ok.code, 0, ok.stderr)
      const lines = ok.stdout.trim().split("\n")
      assert.strictEqual(lines.length, 1)
      assert.deepInclude(JSON.parse(lines[0] ?? ""), {
        validate_only: true,
        stage: "quality-gate",
        week_source: "checkpoint",
        force: true,
        run_tag: "manual_2019-12-01T00_00_00_00_00-624fa35e",
      })
      const bad = yield* runCli([
        "run",
        "--validate-only",
        "--use-checkpoint",
        "--week-start",
        "2019-12-01",
        "--week-end",
        "2019-12-07",
      ])
      assert.strictEqual(bad.code, 1)
      assert.strictEqual(bad.stdout, "")
      assert.include(bad.stderr, "--use-checkpoint cannot be combined with --week-start/--week-end")
    }),
  )
})
