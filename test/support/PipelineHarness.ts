import type { FileSystem } from "@effect/platform"
import { NodeContext, NodeFileSystem } from "@effect/platform-node"
import { SqlClient } from "@effect/sql"
import { ConfigProvider, Console, Context, Effect, Layer, LogLevel } from "effect"
import type { Week } from "../../src/domain/Week.js"
import { type EcomData, pageRecords } from "../../src/emulators/events-api/EcomDataGenerator.js"
import * as AppConfigProvider from "../../src/layers/config/AppConfigProvider.js"
import * as CrmMemory from "../../src/layers/crm/CrmMemory.js"
import { type TestPage, testPage } from "../../src/layers/events-api/EventsApiTest.js"
import * as LakeMemory from "../../src/layers/lake/LakeMemory.js"
import * as StateStoreFs from "../../src/layers/state/StateStoreFs.js"
import * as PipelineHistorySql from "../../src/layers/warehouse/PipelineHistorySql.js"
import * as SqlClientSqlite from "../../src/layers/warehouse/SqlClientSqlite.js"
import * as SyncLedgerSql from "../../src/layers/warehouse/SyncLedgerSql.js"
import * as WarehouseScratch from "../../src/layers/warehouse/WarehouseScratch.js"
import * as WarehouseSql from "../../src/layers/warehouse/WarehouseSql.js"
import { makeCli } from "../../src/program/cli/Cli.js"
import { loggingLayer } from "../../src/program/cli/Logging.js"
import type { Wiring } from "../../src/program/cli/Wiring.js"
import { type RunOutcome, runPipeline } from "../../src/program/pipeline/Pipeline.js"
import type { RunOptions } from "../../src/program/pipeline/RunOptions.js"
import { Crm } from "../../src/services/Crm.js"
import { EventsApi } from "../../src/services/EventsApi.js"
import { Lake } from "../../src/services/Lake.js"
import { flaky, type Outage } from "./FlakyWarehouse.js"
import { tempDir as makeTempDir } from "./TempDir.js"

export const PAGE_SIZE = 500

export interface HarnessOptions {
  readonly data?: Partial<EcomData>
  /** Replaces what page `n` of `week` answers (an error, say); undefined keeps the generated page. */
  readonly page?: (week: Week, n: number) => TestPage | undefined
  /** What page `n` of `week` waits for before it answers: a gate the test opens, say. */
  readonly pageWait?: (week: Week, n: number) => Effect.Effect<void>
  /** The local disk of every run (NodeFileSystem by default): a disk that fills up, say. */
  readonly fileSystem?: Layer.Layer<FileSystem.FileSystem>
  /** Warehouse operations to take down while the set names them (see FlakyWarehouse). */
  readonly warehouseOutage?: Outage
}

/**
 * Runs `reverse-etl ...args` in this process with `wiring`, on `fileSystem`; stdout is collected,
 * not printed. The exit is the command's: a failure is what makes the real process exit 1.
 */
export const cliWith = (
  wiring: Wiring,
  args: ReadonlyArray<string>,
  fileSystem: Layer.Layer<FileSystem.FileSystem> = NodeFileSystem.layer,
) => {
  const stdout: Array<string> = []
  const capture = (current: Console.Console): Console.Console => ({
    ...current,
    log: (...parts: ReadonlyArray<unknown>) => Effect.sync(() => void stdout.push(parts.join(" "))),
  })
  return Console.consoleWith((current) =>
    makeCli(wiring)(["node", "reverse-etl", ...args]).pipe(Effect.withConsole(capture(current))),
  ).pipe(
    Effect.provide(fileSystem),
    Effect.provide(NodeContext.layer),
    Effect.exit,
    Effect.map((exit) => ({ exit, stdout: stdout.join("\n") })),
  )
}

/**
 * The pipeline with the test layers (no network, deterministic): the events API answers pages
 * of the emulator's generator, the lake is in memory, Salesforce is an org in memory, the
 * warehouse is a SQLite file. Lake, warehouse and org are shared by every run of the harness, as
 * Airflow workers share them; each "worker" has its own local directories.
 */
export const makeHarness = (options: HarnessOptions = {}) =>
  Effect.gen(function* () {
    const dir = makeTempDir("retl-pipeline-")
    const data: EcomData = { seed: 7, eventsPerWeek: 2_000, malformedPct: 2, ...options.data }
    const org = new CrmMemory.MemoryOrg()
    const shared = yield* Layer.build(
      Layer.mergeAll(
        LakeMemory.layer,
        CrmMemory.layer(org),
        Layer.mergeAll(
          options.warehouseOutage === undefined
            ? WarehouseSql.layer
            : flaky(options.warehouseOutage).pipe(Layer.provide(WarehouseSql.layer)),
          SyncLedgerSql.layer,
        ).pipe(Layer.provideMerge(SqlClientSqlite.layer(`${dir}/warehouse.sqlite`))),
      ).pipe(Layer.provide(NodeFileSystem.layer)),
    )
    const disk = options.fileSystem ?? NodeFileSystem.layer
    const requests: Array<{ week: string; page: number }> = []
    const eventsApi = Layer.succeed(
      EventsApi,
      EventsApi.of({
        pageSize: PAGE_SIZE,
        page: (week, n) =>
          Effect.suspend(() => {
            requests.push({ week: week.start, page: n })
            const answer = options.page?.(week, n) ?? pageRecords(data, week, n, PAGE_SIZE)
            return Effect.zipRight(
              options.pageWait?.(week, n) ?? Effect.void,
              Array.isArray(answer)
                ? Effect.succeed(testPage(n, answer as ReadonlyArray<string>, data.eventsPerWeek))
                : Effect.fail(answer as Exclude<TestPage, ReadonlyArray<string>>),
            )
          }),
        health: Effect.void,
      }),
    )

    /** The settings of one worker: its own data and state directories. */
    const settings = (worker: string, overrides: Record<string, string> = {}) => ({
      LOCAL_DATA_DIR: `${dir}/${worker}/data/raw_events`,
      LOCAL_REJECTS_DIR: `${dir}/${worker}/data/raw_events_rejects`,
      STATE_DIR: `${dir}/${worker}/state`,
      TRANSFORM_WORKERS: "0",
      SF_USERNAME: "retl@example.com",
      SF_PASSWORD: "password",
      SF_SECURITY_TOKEN: "token",
      SF_POLL_INTERVAL_SECONDS: "0.01",
      // The harness counts Bulk uploads (a week's few rows would go through sObject Collections).
      SF_COLLECTIONS_MAX_ROWS: "0",
      ...overrides,
    })

    const logs: Array<Record<string, unknown>> = []
    const run = (
      options: RunOptions,
      {
        worker = "main",
        env = {},
        airflowRunId,
      }: { worker?: string; env?: Record<string, string>; airflowRunId?: string } = {},
    ): Effect.Effect<RunOutcome, unknown> =>
      runPipeline(options).pipe(
        Effect.withConfigProvider(
          ConfigProvider.fromMap(new Map(airflowRunId === undefined ? [] : [["AIRFLOW_CTX_DAG_RUN_ID", airflowRunId]])),
        ),
        Effect.provide(StateStoreFs.layer),
        Effect.provide(WarehouseScratch.layer),
        Effect.provide(eventsApi),
        Effect.provide(shared),
        Effect.provide(AppConfigProvider.layerFromMap(settings(worker, env))),
        Effect.provide(disk),
        Effect.provide(
          loggingLayer({ format: "json", level: LogLevel.Info, write: (line) => void logs.push(JSON.parse(line)) }),
        ),
      )

    const sql = Context.get(shared, SqlClient.SqlClient)
    const lake = Context.get(shared, Lake)
    const query = <A extends object>(text: string) => sql.unsafe<A>(text).pipe(Effect.orDie)

    /** The same test layers as the program's wiring, to run the real command tree in this process. */
    const wiring = (overrides: Record<string, string> = {}): Wiring => ({
      config: AppConfigProvider.layerFromMap(settings("main", overrides)),
      eventsApi,
      lake: Layer.succeed(Lake, lake),
      warehouse: Layer.succeedContext(shared),
      dryRunWarehouse: Layer.succeedContext(shared),
      scratchWarehouse: WarehouseScratch.layer.pipe(Layer.provide(disk)),
      history: PipelineHistorySql.layer({ where: "the harness's SQLite file" }).pipe(
        Layer.provide(Layer.succeedContext(shared)),
      ),
      stateStore: StateStoreFs.layer.pipe(Layer.provide(disk)),
      crm: Layer.succeed(Crm, Context.get(shared, Crm)),
      writeLog: (line) => void logs.push(JSON.parse(line)),
    })

    /** Runs `reverse-etl ...args` in this process on the test layers; stdout is collected, not printed. */
    const cli = (args: ReadonlyArray<string>, overrides: Record<string, string> = {}) =>
      cliWith(wiring(overrides), args, disk)

    return { dir, org, lake, run, cli, query, requests, logs, data, settings }
  })

export type Harness = Effect.Effect.Success<ReturnType<typeof makeHarness>>
