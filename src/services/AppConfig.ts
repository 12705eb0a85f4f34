import { Context, Cron, Effect, Either, LogLevel, Option, Redacted } from "effect"
import { type ConfigurationError, invalidSetting } from "../domain/Errors.js"
import { parseOtlpHeaders } from "../domain/OtlpHeaders.js"
import type { Week } from "../domain/Week.js"
import { parseWeek } from "../domain/Week.js"
import type { Locations } from "../domain/WeekPaths.js"
import * as R from "./ConfigReaders.js"

export interface ApiSettings {
  readonly baseUrl: Option.Option<string>
  readonly apiKey: Option.Option<Redacted.Redacted>
  readonly timeoutSeconds: number
  readonly maxRetries: number
  readonly pageSize: number
  readonly rateLimitDelaySeconds: number
  readonly concurrency: number
  /** The most pages a week may take: an API that never ends a week stops here. */
  readonly maxPages: number
}

export interface LakeSettings {
  /** `adls` when STORAGE_ACCOUNT is set, else a local directory (the embedded default). */
  readonly kind: "local" | "adls"
  readonly localDir: string
  readonly storageAccount: Option.Option<string>
  readonly container: Option.Option<string>
  readonly endpoint: Option.Option<string>
  readonly accountKey: Option.Option<Redacted.Redacted>
  readonly sasToken: Option.Option<Redacted.Redacted>
  readonly connectionString: Option.Option<Redacted.Redacted>
}

export interface WarehouseSettings {
  /** `mssql` when AZURE_SQL_SERVER is set, else SQLite (the embedded default). */
  readonly kind: "sqlite" | "mssql"
  readonly sqlitePath: string
  readonly server: Option.Option<string>
  readonly port: number
  readonly database: Option.Option<string>
  readonly username: Option.Option<string>
  readonly password: Option.Option<Redacted.Redacted>
}

export interface SalesforceSettings {
  readonly username: Option.Option<string>
  readonly password: Option.Option<Redacted.Redacted>
  readonly securityToken: Option.Option<Redacted.Redacted>
  readonly domain: "login" | "test"
  readonly loginUrl: Option.Option<string>
  readonly instanceUrl: Option.Option<string>
  readonly accessToken: Option.Option<Redacted.Redacted>
  readonly clientId: Option.Option<string>
  readonly clientSecret: Option.Option<Redacted.Redacted>
  readonly apiVersion: string
  readonly objectName: string
  readonly externalIdField: string
  readonly batchSize: number
  /** Bulk jobs uploaded and not yet collected at any one time. */
  readonly maxConcurrentJobs: number
  /** Up to this many changed rows go through sObject Collections instead of a Bulk job; 0 never. */
  readonly collectionsMaxRows: number
  readonly maxErrorRatePct: number
  readonly pollIntervalSeconds: number
  readonly pollTimeoutSeconds: number
  readonly fieldMappingFile: Option.Option<string>
}

export interface QualitySettings {
  readonly rejectThresholdPct: number
  readonly minValidRows: number
  readonly parquetRowGroupSize: number
  /** Worker threads that validate and encode row groups; 0 does it all on the main thread. */
  readonly transformWorkers: number
}

export interface ScheduleSettings {
  readonly cron: string
  readonly timeZone: string
}

export interface TelemetrySettings {
  readonly otlpEndpoint: Option.Option<string>
  /** OTEL_EXPORTER_OTLP_HEADERS, e.g. a collector's API key: validated, a secret as a whole. */
  readonly otlpHeaders: Option.Option<Redacted.Redacted>
  readonly serviceName: string
}

export interface Settings {
  readonly api: ApiSettings
  /** WEEK_START/WEEK_END when both are set. */
  readonly week: Option.Option<Week>
  readonly locations: Locations
  readonly lake: LakeSettings
  readonly warehouse: WarehouseSettings
  readonly salesforce: SalesforceSettings
  readonly quality: QualitySettings
  readonly logLevel: LogLevel.LogLevel
  readonly schedule: ScheduleSettings
  readonly telemetry: TelemetrySettings
}

const LOG_LEVELS = {
  DEBUG: LogLevel.Debug,
  INFO: LogLevel.Info,
  WARNING: LogLevel.Warning,
  WARN: LogLevel.Warning,
  ERROR: LogLevel.Error,
  CRITICAL: LogLevel.Fatal,
} as const

const api = R.all({
  baseUrl: R.optionalUrl("API_BASE_URL"),
  apiKey: R.secret("API_KEY"),
  timeoutSeconds: R.integer("API_TIMEOUT_SECONDS", 60, 1, 300),
  maxRetries: R.integer("API_MAX_RETRIES", 3, 1, 10),
  pageSize: R.integer("API_PAGE_SIZE", 1000, 1, 1000),
  rateLimitDelaySeconds: R.decimal("API_RATE_LIMIT_DELAY", 2.0, 0, 60),
  concurrency: R.integer("API_CONCURRENCY", 4, 1, 64),
  maxPages: R.integer("API_MAX_PAGES", 50_000, 1, 100_000_000),
})

const week = Effect.flatMap(R.all({ start: R.raw("WEEK_START"), end: R.raw("WEEK_END") }), ({ start, end }) => {
  if (Option.isNone(start) && Option.isNone(end)) return Effect.succeed(Option.none<Week>())
  if (Option.isNone(start)) return Effect.fail(invalidSetting("WEEK_START", "must be set when WEEK_END is set"))
  if (Option.isNone(end)) return Effect.fail(invalidSetting("WEEK_END", "must be set when WEEK_START is set"))
  return Either.match(parseWeek(start.value, end.value), {
    onLeft: Effect.fail,
    onRight: (w) => Effect.succeed(Option.some(w)),
  })
})

const locations = R.all({
  localDataDir: R.text("LOCAL_DATA_DIR", "data/raw_events"),
  localRejectsDir: R.text("LOCAL_REJECTS_DIR", "data/raw_events_rejects"),
  stateDir: R.text("STATE_DIR", "state"),
  lakeBasePath: R.lakePath("ADLS_BASE_PATH", "reverse_etl/raw_events"),
  lakeRejectsBasePath: R.lakePath("ADLS_REJECTS_BASE_PATH", "reverse_etl/raw_events_rejects"),
})

const lake = Effect.flatMap(
  R.all({
    localDir: R.text("LAKE_DIR", "data/lake"),
    storageAccount: R.optionalText("STORAGE_ACCOUNT"),
    container: R.optionalText("CONTAINER"),
    endpoint: R.optionalUrl("ADLS_ENDPOINT"),
    accountKey: R.secret("AZURE_STORAGE_ACCOUNT_KEY"),
    sasToken: R.secret("AZURE_STORAGE_SAS_TOKEN"),
    connectionString: R.secret("AZURE_STORAGE_CONNECTION_STRING"),
  }),
  (s): R.Reader<LakeSettings> => {
    if (Option.isSome(s.storageAccount) && Option.isNone(s.container)) {
      return Effect.fail(invalidSetting("CONTAINER", "must be set when STORAGE_ACCOUNT is set"))
    }
    if (Option.isSome(s.container) && Option.isNone(s.storageAccount)) {
      return Effect.fail(invalidSetting("STORAGE_ACCOUNT", "must be set when CONTAINER is set"))
    }
    return Effect.succeed({ ...s, kind: Option.isSome(s.storageAccount) ? "adls" : "local" })
  },
)

const warehouse = Effect.flatMap(
  R.all({
    explicitKind: R.optionalOneOf("WAREHOUSE", ["sqlite", "mssql"] as const),
    sqlitePath: R.text("SQLITE_PATH", "state/warehouse.sqlite"),
    server: R.optionalText("AZURE_SQL_SERVER"),
    port: R.integer("AZURE_SQL_PORT", 1433, 1, 65535),
    database: R.optionalText("AZURE_SQL_DATABASE"),
    username: R.optionalText("AZURE_SQL_USERNAME"),
    password: R.secret("AZURE_SQL_PASSWORD"),
  }),
  ({ explicitKind, ...s }): R.Reader<WarehouseSettings> => {
    const kind = Option.getOrElse(explicitKind, () => (Option.isSome(s.server) ? "mssql" : "sqlite"))
    if (kind === "mssql") {
      const missing = [
        ...(Option.isNone(s.server) ? [invalidSetting("AZURE_SQL_SERVER", "must be set when WAREHOUSE is mssql")] : []),
        ...(Option.isNone(s.database)
          ? [invalidSetting("AZURE_SQL_DATABASE", "must be set when WAREHOUSE is mssql")]
          : []),
        ...(Option.isSome(s.username) && Option.isNone(s.password)
          ? [invalidSetting("AZURE_SQL_PASSWORD", "must be set when AZURE_SQL_USERNAME is set")]
          : []),
      ]
      if (missing.length > 0) return Effect.fail(R.merge(missing))
    }
    return Effect.succeed({ ...s, kind })
  },
)

const salesforce = R.all({
  username: R.optionalText("SF_USERNAME"),
  password: R.secret("SF_PASSWORD"),
  securityToken: R.secret("SF_SECURITY_TOKEN"),
  domain: R.oneOf("SF_DOMAIN", ["login", "test"] as const, "login"),
  loginUrl: R.optionalUrl("SF_LOGIN_URL"),
  instanceUrl: R.optionalUrl("SF_INSTANCE_URL"),
  accessToken: R.secret("SF_ACCESS_TOKEN"),
  clientId: R.optionalText("SF_CLIENT_ID"),
  clientSecret: R.secret("SF_CLIENT_SECRET"),
  apiVersion: R.matching("SF_API_VERSION", "must look like 62.0", /^\d{2,3}\.\d$/, "62.0"),
  objectName: R.matching("SF_OBJECT_NAME", "must be an API name", /^[A-Za-z]\w*$/, "Customer_Weekly_Metric__c"),
  externalIdField: R.matching("SF_EXTERNAL_ID_FIELD", "must be an API name", /^[A-Za-z]\w*$/, "External_Signal_Id__c"),
  batchSize: R.integer("SF_BATCH_SIZE", 10_000, 1, 10_000_000),
  maxConcurrentJobs: R.integer("SF_MAX_CONCURRENT_JOBS", 8, 1, 100),
  collectionsMaxRows: R.integer("SF_COLLECTIONS_MAX_ROWS", 2_000, 0, 50_000),
  maxErrorRatePct: R.percent("SF_MAX_ERROR_RATE_PCT", 10),
  pollIntervalSeconds: R.decimal("SF_POLL_INTERVAL_SECONDS", 2, 0.01, 300),
  pollTimeoutSeconds: R.decimal("SF_POLL_TIMEOUT_SECONDS", 600, 1, 86_400),
  fieldMappingFile: R.optionalText("SF_FIELD_MAPPING_FILE"),
})

const quality = R.all({
  rejectThresholdPct: R.percent("REJECT_THRESHOLD_PCT", 5.0),
  minValidRows: R.integer("MIN_VALID_ROWS", 1, 0),
  parquetRowGroupSize: R.integer("PARQUET_ROW_GROUP_SIZE", 100_000, 1_000, 10_000_000),
  transformWorkers: R.integer("TRANSFORM_WORKERS", 2, 0, 64),
})

const logLevel = Effect.map(
  R.oneOf("LOG_LEVEL", Object.keys(LOG_LEVELS) as Array<keyof typeof LOG_LEVELS>, "INFO"),
  (name) => LOG_LEVELS[name],
)

const schedule = Effect.flatMap(
  R.all({ cron: R.text("SCHEDULE_CRON", "0 14 * * 1-5"), timeZone: R.text("SCHEDULE_TIMEZONE", "UTC") }),
  (s) =>
    Either.isLeft(Cron.parse(s.cron, s.timeZone))
      ? Effect.fail(
          invalidSetting("SCHEDULE_CRON", `must be a cron expression valid in time zone ${s.timeZone}`, s.cron),
        )
      : Effect.succeed(s),
)

const telemetry = R.all({
  otlpEndpoint: R.optionalUrl("OTEL_EXPORTER_OTLP_ENDPOINT"),
  otlpHeaders: Effect.flatMap(R.secret("OTEL_EXPORTER_OTLP_HEADERS"), (headers) =>
    Option.isSome(headers) && parseOtlpHeaders(Redacted.value(headers.value)) === undefined
      ? Effect.fail(invalidSetting("OTEL_EXPORTER_OTLP_HEADERS", "must be key=value pairs separated by commas"))
      : Effect.succeed(headers),
  ),
  serviceName: R.text("OTEL_SERVICE_NAME", "reverse-etl"),
})

/** Reads and validates every setting from the current ConfigProvider, reporting all problems at once. */
export const loadSettings: Effect.Effect<Settings, ConfigurationError> = R.all({
  api,
  week,
  locations,
  lake,
  warehouse,
  salesforce,
  quality,
  logLevel,
  schedule,
  telemetry,
})

/** The validated settings of the pipeline: every setting the program reads, secrets `Redacted`. */
export class AppConfig extends Context.Tag("retl/AppConfig")<AppConfig, Settings>() {}

/**
 * The values of every configured secret. Only the log scrubber reads them: it removes them from
 * any text that reaches a log line, as a last line of defence behind `Redacted` (an SDK may echo
 * a SAS URL or a connection string in its own error message).
 */
export const secretValues = (settings: Settings): ReadonlyArray<string> =>
  [
    settings.api.apiKey,
    settings.lake.accountKey,
    settings.lake.sasToken,
    settings.lake.connectionString,
    settings.warehouse.password,
    settings.salesforce.password,
    settings.salesforce.securityToken,
    settings.salesforce.accessToken,
    settings.salesforce.clientSecret,
    settings.telemetry.otlpHeaders,
  ]
    .flatMap((secret) => (Option.isSome(secret) ? [Redacted.value(secret.value)] : []))
    .concat(
      Option.match(settings.telemetry.otlpHeaders, {
        onNone: () => [],
        onSome: (headers) => Object.values(parseOtlpHeaders(Redacted.value(headers)) ?? {}),
      }),
    )
