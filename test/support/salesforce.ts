import { NodeFileSystem } from "@effect/platform-node"
import { Migrator } from "@effect/sql"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Effect, Layer, Logger, Stream } from "effect"
import type { CustomerWeeklyMetrics } from "../../src/domain/CustomerMetrics.js"
import { externalSignalId } from "../../src/domain/CustomerMetrics.js"
import type { ConfigurationError } from "../../src/domain/Errors.js"
import { parseWeek } from "../../src/domain/Week.js"
import { EMULATOR_DEFAULTS } from "../../src/emulators/salesforce/SalesforceEmulator.js"
import * as AppConfigProvider from "../../src/layers/config/AppConfigProvider.js"
import * as CrmJsforce from "../../src/layers/crm/CrmJsforce.js"
import migration from "../../src/layers/warehouse/migrations/0002_salesforce_sync.js"
import * as SyncLedgerSql from "../../src/layers/warehouse/SyncLedgerSql.js"
import { type SyncOptions, salesforceSync } from "../../src/program/stages/SalesforceSync.js"
import type { AppConfig } from "../../src/services/AppConfig.js"
import type { Crm } from "../../src/services/Crm.js"
import { Warehouse } from "../../src/services/Warehouse.js"
import { tempDir as makeTempDir } from "./TempDir.js"

export const WEEK = Effect.runSync(parseWeek("2019-12-01", "2019-12-07"))

/** One customer's week; `i` makes every value distinct. */
export const metricsRow = (i: number, overrides: Partial<CustomerWeeklyMetrics> = {}): CustomerWeeklyMetrics => ({
  external_signal_id: externalSignalId(`u${i}`, WEEK.start),
  user_id: `u${i}`,
  week_start: WEEK.start,
  week_end: WEEK.end,
  event_count: 10 + i,
  view_count: 5 + (i % 7),
  cart_count: i % 3,
  remove_from_cart_count: i % 2,
  purchase_count: i % 4,
  purchase_revenue: (i % 100) + 0.25,
  session_count: 1 + (i % 5),
  product_count: 2 + (i % 6),
  first_event_at: "2019-12-01T00:00:03.000000Z",
  last_event_at: "2019-12-06T23:59:59.123456Z",
  ...overrides,
})

export const metricsRows = (count: number): Array<CustomerWeeklyMetrics> =>
  Array.from({ length: count }, (_, i) => metricsRow(i))

/** A warehouse whose export view streams `rows()` as they are when the stage reads them; nothing else is used. */
export const stubWarehouse = (rows: () => Iterable<CustomerWeeklyMetrics>): Layer.Layer<Warehouse> => {
  const unused = (name: string) => Effect.die(`Warehouse.${name} is not used by the Salesforce sync tests`)
  return Layer.succeed(Warehouse, {
    migrate: unused("migrate"),
    readCheckpoint: unused("readCheckpoint"),
    advanceCheckpoint: () => unused("advanceCheckpoint"),
    startRun: () => unused("startRun"),
    finishRun: () => unused("finishRun"),
    startStage: () => unused("startStage"),
    finishStage: () => unused("finishStage"),
    loadWeek: () => unused("loadWeek"),
    exportRows: () => Stream.suspend(() => Stream.fromIterable(rows()).pipe(Stream.rechunk(250))),
  })
}

export const tempDir = (prefix: string) => makeTempDir(prefix)

/** A SQLite database file with the sync's migration applied; each layer built on it sees the same tables. */
export const sqliteLayer = (filename: string) => {
  const client = SqliteClient.layer({ filename })
  const migrated = Layer.effectDiscard(
    Migrator.make({})({ loader: Migrator.fromRecord({ "0002_salesforce_sync": migration }) }),
  ).pipe(Layer.provide(client))
  return Layer.merge(client, migrated)
}

/** Settings pointing the sync at an emulator with its default user. */
export const emulatorSettings = (url: string, extra: Record<string, string> = {}) =>
  AppConfigProvider.layerFromMap({
    SF_USERNAME: EMULATOR_DEFAULTS.username,
    SF_PASSWORD: EMULATOR_DEFAULTS.password,
    SF_SECURITY_TOKEN: EMULATOR_DEFAULTS.securityToken,
    SF_LOGIN_URL: url,
    SF_POLL_INTERVAL_SECONDS: "0.02",
    SF_POLL_TIMEOUT_SECONDS: "10",
    // These tests are about Bulk jobs: a few rows would otherwise go through sObject Collections.
    SF_COLLECTIONS_MAX_ROWS: "0",
    ...extra,
  })

export interface SyncEnv {
  readonly database: string
  readonly rows: () => Iterable<CustomerWeeklyMetrics>
  readonly config: Layer.Layer<AppConfig, ConfigurationError>
  readonly crm?: Layer.Layer<Crm, never, AppConfig>
}

export const defaultOptions = (overrides: Partial<SyncOptions> = {}): SyncOptions => ({
  runId: `run-${Math.random().toString(36).slice(2, 8)}`,
  dryRun: false,
  fullResync: false,
  requireSalesforce: false,
  outputDir: overrides.outputDir ?? tempDir("retl-sf-out-"),
  ...overrides,
})

/** One run of the stage as a fresh process would make it: new login, new database connection, same files. */
export const runSync = (env: SyncEnv, overrides: Partial<SyncOptions> = {}) =>
  salesforceSync(WEEK, defaultOptions(overrides)).pipe(
    Effect.provide(
      Layer.mergeAll(
        (env.crm ?? CrmJsforce.layer).pipe(Layer.provideMerge(env.config)),
        SyncLedgerSql.layer.pipe(Layer.provide(sqliteLayer(env.database))),
        stubWarehouse(env.rows),
        NodeFileSystem.layer,
      ),
    ),
    // Quiet unless a test installs a logger of its own to assert on.
    Effect.provide(Logger.remove(Logger.defaultLogger)),
  )
