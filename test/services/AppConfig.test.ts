import { Effect, Either, LogLevel, Option, Redacted } from "effect"
import type { ConfigurationError } from "../../src/domain/Errors.js"
import * as AppConfigProvider from "../../src/layers/config/AppConfigProvider.js"
import { AppConfig, type Settings } from "../../src/services/AppConfig.js"
import { assert, describe, it } from "../support/vitest.js"

const load = (values: Record<string, string>) =>
  Effect.either(Effect.provide(AppConfig, AppConfigProvider.layerFromMap(values)))

const settings = (values: Record<string, string>) =>
  Effect.map(load(values), (result) => Either.getOrThrowWith(result, (e) => new Error(e.message)) as Settings)

const failure = (values: Record<string, string>) =>
  Effect.map(load(values), (result) => {
    if (Either.isRight(result)) assert.fail(`expected a ConfigurationError for ${JSON.stringify(values)}`)
    return result.left as ConfigurationError
  })

describe("AppConfig", () => {
  it.effect("has the seed's defaults", () =>
    Effect.gen(function* () {
      const s = yield* settings({})
      assert.strictEqual(s.api.timeoutSeconds, 60)
      assert.strictEqual(s.api.maxRetries, 3)
      assert.strictEqual(s.api.pageSize, 1000)
      assert.strictEqual(s.api.rateLimitDelaySeconds, 2.0)
      assert.strictEqual(s.api.concurrency, 4)
      assert.strictEqual(s.api.maxPages, 50_000)
      assert.strictEqual(s.quality.rejectThresholdPct, 5.0)
      assert.strictEqual(s.quality.transformWorkers, 2)
      assert.strictEqual(s.locations.localDataDir, "data/raw_events")
      assert.strictEqual(s.locations.localRejectsDir, "data/raw_events_rejects")
      assert.strictEqual(s.locations.stateDir, "state")
      assert.strictEqual(s.locations.lakeBasePath, "reverse_etl/raw_events")
      assert.strictEqual(s.locations.lakeRejectsBasePath, "reverse_etl/raw_events_rejects")
      assert.strictEqual(s.salesforce.objectName, "Customer_Weekly_Metric__c")
      assert.strictEqual(s.salesforce.domain, "login")
      assert.strictEqual(s.salesforce.apiVersion, "62.0")
      assert.strictEqual(s.logLevel, LogLevel.Info)
      assert.strictEqual(s.lake.kind, "local")
      assert.strictEqual(s.warehouse.kind, "sqlite")
      assert.strictEqual(s.schedule.cron, "0 14 * * 1-5")
      assert.isTrue(Option.isNone(s.week))
    }),
  )

  it.effect("reads every setting it is given", () =>
    Effect.gen(function* () {
      const s = yield* settings({
        API_BASE_URL: "http://127.0.0.1:8080/",
        API_KEY: "k-123",
        WEEK_START: "2019-12-01",
        WEEK_END: "2019-12-07",
        API_TIMEOUT_SECONDS: "30",
        API_RATE_LIMIT_DELAY: "0",
        REJECT_THRESHOLD_PCT: "12.5",
        LOG_LEVEL: "debug",
        STORAGE_ACCOUNT: "acct",
        CONTAINER: "lake",
        AZURE_SQL_SERVER: "srv.database.windows.net",
        AZURE_SQL_DATABASE: "db",
        SF_DOMAIN: "test",
      })
      assert.strictEqual(Option.getOrThrow(s.api.baseUrl), "http://127.0.0.1:8080")
      assert.strictEqual(Redacted.value(Option.getOrThrow(s.api.apiKey)), "k-123")
      assert.deepStrictEqual({ ...Option.getOrThrow(s.week) }, { start: "2019-12-01", end: "2019-12-07" })
      assert.strictEqual(s.api.rateLimitDelaySeconds, 0)
      assert.strictEqual(s.quality.rejectThresholdPct, 12.5)
      assert.strictEqual(s.logLevel, LogLevel.Debug)
      assert.strictEqual(s.lake.kind, "adls")
      assert.strictEqual(s.warehouse.kind, "mssql")
      assert.strictEqual(s.salesforce.domain, "test")
    }),
  )

  it.effect("keeps secrets redacted", () =>
    Effect.gen(function* () {
      const s = yield* settings({ API_KEY: "super-secret-key", SF_PASSWORD: "pw-secret" })
      assert.notInclude(String(s.api.apiKey), "super-secret-key")
      assert.notInclude(JSON.stringify(s), "super-secret-key")
      assert.notInclude(JSON.stringify(s), "pw-secret")
    }),
  )

  it.effect("treats a blank value as unset", () =>
    Effect.gen(function* () {
      const s = yield* settings({ API_TIMEOUT_SECONDS: "  ", API_KEY: "" })
      assert.strictEqual(s.api.timeoutSeconds, 60)
      assert.isTrue(Option.isNone(s.api.apiKey))
    }),
  )

  const rules: ReadonlyArray<readonly [Record<string, string>, string]> = [
    [{ API_BASE_URL: "not a url" }, 'API_BASE_URL must be an http:// or https:// URL (got "not a url")'],
    [{ API_BASE_URL: "ftp://host" }, 'API_BASE_URL must be an http:// or https:// URL (got "ftp://host")'],
    [{ API_TIMEOUT_SECONDS: "0" }, 'API_TIMEOUT_SECONDS must be an integer from 1 to 300 (got "0")'],
    [{ API_TIMEOUT_SECONDS: "301" }, 'API_TIMEOUT_SECONDS must be an integer from 1 to 300 (got "301")'],
    [{ API_TIMEOUT_SECONDS: "ten" }, 'API_TIMEOUT_SECONDS must be an integer from 1 to 300 (got "ten")'],
    [{ API_MAX_RETRIES: "11" }, 'API_MAX_RETRIES must be an integer from 1 to 10 (got "11")'],
    [{ API_PAGE_SIZE: "1001" }, 'API_PAGE_SIZE must be an integer from 1 to 1000 (got "1001")'],
    [{ API_RATE_LIMIT_DELAY: "-1" }, 'API_RATE_LIMIT_DELAY must be a number from 0 to 60 (got "-1")'],
    [{ API_CONCURRENCY: "0" }, 'API_CONCURRENCY must be an integer from 1 to 64 (got "0")'],
    [{ API_MAX_PAGES: "0" }, 'API_MAX_PAGES must be an integer from 1 to 100000000 (got "0")'],
    [{ API_MAX_PAGES: "2.5" }, 'API_MAX_PAGES must be an integer from 1 to 100000000 (got "2.5")'],
    [{ REJECT_THRESHOLD_PCT: "100.5" }, 'REJECT_THRESHOLD_PCT must be a number from 0 to 100 (got "100.5")'],
    [{ REJECT_THRESHOLD_PCT: "five" }, 'REJECT_THRESHOLD_PCT must be a number from 0 to 100 (got "five")'],
    [
      { REJECT_THRESHOLD_PCT: "6.99999999999999999999" },
      'REJECT_THRESHOLD_PCT must have at most 15 significant digits (got "6.99999999999999999999")',
    ],
    [{ LOG_LEVEL: "loud" }, 'LOG_LEVEL must be one of DEBUG, INFO, WARNING, WARN, ERROR, CRITICAL (got "loud")'],
    [{ SF_DOMAIN: "prod" }, 'SF_DOMAIN must be one of login, test (got "prod")'],
    [
      { WEEK_START: "2019-12-07", WEEK_END: "2019-12-01" },
      'WEEK_END must not be before WEEK_START 2019-12-07 (got "2019-12-01")',
    ],
    [{ WEEK_START: "2019-12-01" }, "WEEK_END must be set when WEEK_START is set"],
    [{ WEEK_END: "2019-12-07" }, "WEEK_START must be set when WEEK_END is set"],
    [{ WEEK_START: "1/12/2019", WEEK_END: "2019-12-07" }, 'WEEK_START must be a date as YYYY-MM-DD (got "1/12/2019")'],
    [{ STORAGE_ACCOUNT: "acct" }, "CONTAINER must be set when STORAGE_ACCOUNT is set"],
    [{ CONTAINER: "lake" }, "STORAGE_ACCOUNT must be set when CONTAINER is set"],
    [{ WAREHOUSE: "postgres" }, 'WAREHOUSE must be one of sqlite, mssql (got "postgres")'],
    [{ AZURE_SQL_SERVER: "srv" }, "AZURE_SQL_DATABASE must be set when WAREHOUSE is mssql"],
    [
      { AZURE_SQL_SERVER: "srv", AZURE_SQL_DATABASE: "db", AZURE_SQL_USERNAME: "u" },
      "AZURE_SQL_PASSWORD must be set when AZURE_SQL_USERNAME is set",
    ],
    [
      { SCHEDULE_CRON: "every monday" },
      'SCHEDULE_CRON must be a cron expression valid in time zone UTC (got "every monday")',
    ],
    [{ SF_API_VERSION: "v62" }, 'SF_API_VERSION must look like 62.0 (got "v62")'],
    [{ SF_MAX_ERROR_RATE_PCT: "200" }, 'SF_MAX_ERROR_RATE_PCT must be a number from 0 to 100 (got "200")'],
    [
      { SF_MAX_ERROR_RATE_PCT: "0.1000000000000000001" },
      'SF_MAX_ERROR_RATE_PCT must have at most 15 significant digits (got "0.1000000000000000001")',
    ],
    [{ MIN_VALID_ROWS: "-1" }, 'MIN_VALID_ROWS must be an integer of at least 0 (got "-1")'],
    [{ TRANSFORM_WORKERS: "two" }, 'TRANSFORM_WORKERS must be an integer from 0 to 64 (got "two")'],
    [
      { ADLS_ENDPOINT: "dfs.core.windows.net" },
      'ADLS_ENDPOINT must be an http:// or https:// URL (got "dfs.core.windows.net")',
    ],
  ]

  for (const [values, message] of rules) {
    it.effect(`refuses ${JSON.stringify(values)}`, () =>
      Effect.gen(function* () {
        const error = yield* failure(values)
        assert.strictEqual(error._tag, "ConfigurationError")
        assert.strictEqual(error.message, message)
        assert.isTrue(message.startsWith(error.details.setting as string), "the first word names the setting")
      }),
    )
  }

  it.effect("reports every broken setting at once", () =>
    Effect.gen(function* () {
      const error = yield* failure({ API_TIMEOUT_SECONDS: "0", LOG_LEVEL: "loud", CONTAINER: "x" })
      const problems = error.details.problems as ReadonlyArray<{ setting: string }>
      assert.deepStrictEqual(problems.map((p) => p.setting).sort(), [
        "API_TIMEOUT_SECONDS",
        "LOG_LEVEL",
        "STORAGE_ACCOUNT",
      ])
      assert.include(error.message, "API_TIMEOUT_SECONDS")
      assert.include(error.message, "LOG_LEVEL")
    }),
  )

  it.effect("never quotes a secret back in an error", () =>
    Effect.gen(function* () {
      const error = yield* failure({ API_KEY: "leaky-secret-value", API_TIMEOUT_SECONDS: "0" })
      assert.notInclude(JSON.stringify(error), "leaky-secret-value")
    }),
  )
})
