import { Effect, Layer, LogLevel, Option, Redacted } from "effect"
import { AuthenticationError } from "../../../src/domain/Errors.js"
import * as AppConfigProvider from "../../../src/layers/config/AppConfigProvider.js"
import { runCommand } from "../../../src/program/cli/CommandRuntime.js"
import { loggingLayer, makeScrubber } from "../../../src/program/cli/Logging.js"
import { AppConfig } from "../../../src/services/AppConfig.js"
import { assert, describe, it } from "../../support/vitest.js"

const capture = () => {
  const lines: Array<string> = []
  return { lines, write: (line: string) => void lines.push(line), parsed: () => lines.map((l) => JSON.parse(l)) }
}

describe("logging", () => {
  it.effect("writes one JSON object a line with the standard fields and every annotation", () =>
    Effect.gen(function* () {
      const sink = capture()
      yield* Effect.logInfo("Fetched all events from API").pipe(
        Effect.annotateLogs({ correlation_id: "c-1", total_rows: 42 }),
        Effect.withSpan("extract"),
        Effect.provide(loggingLayer({ format: "json", level: LogLevel.Info, write: sink.write })),
      )
      const [line] = sink.parsed()
      assert.strictEqual(line.message, "Fetched all events from API")
      assert.strictEqual(line.level, "INFO")
      assert.strictEqual(line.logger, "extract")
      assert.strictEqual(line.correlation_id, "c-1")
      assert.strictEqual(line.total_rows, 42)
      assert.match(line.timestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    }),
  )

  it.effect("drops lines under the level", () =>
    Effect.gen(function* () {
      const sink = capture()
      yield* Effect.logDebug("noise").pipe(
        Effect.provide(loggingLayer({ format: "json", level: LogLevel.Info, write: sink.write })),
      )
      assert.deepStrictEqual(sink.lines, [])
    }),
  )

  it.effect("writes text for a person", () =>
    Effect.gen(function* () {
      const sink = capture()
      yield* Effect.logWarning("slow page").pipe(
        Effect.annotateLogs({ page: 3 }),
        Effect.provide(loggingLayer({ format: "text", level: LogLevel.Info, write: sink.write })),
      )
      assert.match(sink.lines[0] ?? "", /^\S+Z WARNING +\[reverse_etl\] slow page {2}correlation_id=null page=3$/)
    }),
  )
})

describe("secrets", () => {
  const secrets = {
    API_KEY: "api-key-0123456789",
    AZURE_SQL_PASSWORD: 'sql"pass\\word',
    SF_PASSWORD: "sf-password-abc",
    SF_SECURITY_TOKEN: "sf-token-xyz",
    AZURE_STORAGE_ACCOUNT_KEY: "YWNjb3VudC1rZXk=",
  }

  it.effect("scrubs raw, JSON-escaped and URL-encoded forms", () =>
    Effect.sync(() => {
      const scrub = makeScrubber(Object.values(secrets))
      const line = `${secrets.API_KEY} ${JSON.stringify(secrets.AZURE_SQL_PASSWORD)} ${encodeURIComponent(secrets.AZURE_STORAGE_ACCOUNT_KEY)}`
      const out = scrub(line)
      for (const value of Object.values(secrets)) assert.notInclude(out, value)
      assert.notInclude(out, encodeURIComponent(secrets.AZURE_STORAGE_ACCOUNT_KEY))
      assert.notInclude(out, JSON.stringify(secrets.AZURE_SQL_PASSWORD).slice(1, -1))
    }),
  )

  it.effect("never reach a log line, even when a command logs its settings and fails quoting one", () =>
    Effect.gen(function* () {
      const sink = capture()
      const body = Effect.gen(function* () {
        const settings = yield* AppConfig
        yield* Effect.logInfo("settings", settings)
        yield* Effect.logInfo("api key").pipe(Effect.annotateLogs({ key: Option.getOrThrow(settings.api.apiKey) }))
        const leaked = Redacted.value(Option.getOrThrow(settings.salesforce.password))
        return yield* Effect.fail(new AuthenticationError({ message: `login refused for password ${leaked}` }))
      })
      const wiring = { config: AppConfigProvider.layerFromMap(secrets), writeLog: sink.write }
      const exit = yield* Effect.exit(runCommand(wiring, "run", "json", body, Layer.empty))
      assert.isTrue(exit._tag === "Failure")
      const all = sink.lines.join("\n")
      assert.isAbove(sink.lines.length, 2)
      assert.include(all, "AuthenticationError")
      for (const value of Object.values(secrets)) assert.notInclude(all, value)
      assert.notInclude(all, JSON.stringify(secrets.AZURE_SQL_PASSWORD).slice(1, -1))
    }),
  )
})
