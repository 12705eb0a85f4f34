import { readFileSync } from "node:fs"
import { VERSION } from "../../../src/program/cli/Version.js"
import { jsonLines, runCli } from "../../support/cli.js"
import { assert, describe, it } from "../../support/vitest.js"

describe("reverse-etl CLI", () => {
  it("lists its commands in --help", async () => {
    const result = await runCli(["--help"])
    assert.strictEqual(result.code, 0)
    for (const command of ["run", "check-api", "db", "serve-api", "serve-adls", "serve-salesforce"]) {
      assert.include(result.stdout, `- ${command}`)
    }
  })

  it("prints the package's version", async () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { version: string }
    assert.strictEqual(VERSION, pkg.version)
    const result = await runCli(["--version"])
    assert.strictEqual(result.stdout.trim(), pkg.version)
  })

  it("has --help on every command", async () => {
    const result = await runCli(["run", "--help"])
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
  })

  it("exits 1 naming the rule when the week ends before it starts", async () => {
    const result = await runCli(["run", "--week-start", "2019-12-07", "--week-end", "2019-12-01"])
    assert.strictEqual(result.code, 1)
    const [line] = jsonLines(result.stderr)
    assert.strictEqual(line?.error_type, "ConfigurationError")
    assert.strictEqual(line?.error_message, '--week-end must not be before --week-start 2019-12-07 (got "2019-12-01")')
    assert.strictEqual(typeof line?.correlation_id, "string")
  })

  it("exits 1 naming every broken setting, and never prints a secret", async () => {
    const result = await runCli(["run", "--week-start", "2019-12-01", "--week-end", "2019-12-07"], {
      env: { API_TIMEOUT_SECONDS: "0", API_KEY: "cli-secret-key-42", SF_PASSWORD: "cli-sf-pass" },
    })
    assert.strictEqual(result.code, 1)
    assert.include(result.stderr, "API_TIMEOUT_SECONDS must be an integer from 1 to 300")
    assert.notInclude(result.stderr + result.stdout, "cli-secret-key-42")
    assert.notInclude(result.stderr + result.stdout, "cli-sf-pass")
  })

  it("refuses an unknown flag with exit 1", async () => {
    const result = await runCli(["run", "--no-such-flag"])
    assert.strictEqual(result.code, 1)
  })
})
