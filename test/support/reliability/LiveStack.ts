import { NodeFileSystem, NodeHttpClient } from "@effect/platform-node"
import { Effect, Layer, type Scope } from "effect"
import { type AdlsEmulator, adlsEmulator } from "../../../src/emulators/adls/AdlsEmulator.js"
import { type RunningEcomApi, serveEcomApi } from "../../../src/emulators/events-api/EcomApiServer.js"
import { type FaultSettings, noFaults } from "../../../src/emulators/events-api/EcomFaults.js"
import { type SalesforceEmulator, salesforceEmulator } from "../../../src/emulators/salesforce/SalesforceEmulator.js"
import * as AppConfigProvider from "../../../src/layers/config/AppConfigProvider.js"
import * as CrmJsforce from "../../../src/layers/crm/CrmJsforce.js"
import * as EventsApiHttp from "../../../src/layers/events-api/EventsApiHttp.js"
import * as LakeAdls from "../../../src/layers/lake/LakeAdls.js"
import * as StateStoreFs from "../../../src/layers/state/StateStoreFs.js"
import * as PipelineHistoryFromSettings from "../../../src/layers/warehouse/PipelineHistoryFromSettings.js"
import * as WarehouseFromSettings from "../../../src/layers/warehouse/WarehouseFromSettings.js"
import * as WarehouseReadOnly from "../../../src/layers/warehouse/WarehouseReadOnly.js"
import * as WarehouseScratch from "../../../src/layers/warehouse/WarehouseScratch.js"
import type { Wiring } from "../../../src/program/cli/Wiring.js"
import { quickRetry } from "../adlsLake.js"
import { runCli } from "../cli.js"
import { cliWith } from "../PipelineHarness.js"
import { tempDir as makeTempDir } from "../TempDir.js"
import {
  EVENTS_PER_WEEK,
  type FaultCase,
  fromExit,
  fromProcess,
  matrixCell,
  prepareStand,
  RUN,
  type RunResult,
  referenceOf,
  type Stand,
} from "./FaultCell.js"
import { assertUpsertedOnce, PARTITION, SF_OBJECT } from "./FaultOutputs.js"
import { SECRETS } from "./Secrets.js"

export interface StackOptions {
  readonly seed: number
  /** Faults of the events API emulator (fixed when it starts). */
  readonly api?: Partial<FaultSettings>
}

/**
 * One deployment of the pipeline against the three emulators on 127.0.0.1, with the suite's
 * secrets: a temp directory holding its disk, its SQLite warehouse and the lake's objects (the
 * ADLS emulator keeps them as files, so DuckDB can read the lake's copy too).
 */
export interface LiveStack extends Stand {
  readonly api: RunningEcomApi
  readonly lake: AdlsEmulator
  readonly sf: SalesforceEmulator
  /** The settings of every run, as environment variables. */
  readonly env: Record<string, string>
}

const CONTAINER = "lake"

const makeStack = (options: StackOptions): Effect.Effect<LiveStack, never, Scope.Scope> =>
  Effect.gen(function* () {
    const dir = makeTempDir("retl-fault-")
    const api = yield* Effect.orDie(
      serveEcomApi({
        data: { seed: options.seed, eventsPerWeek: EVENTS_PER_WEEK, malformedPct: 2 },
        withTotal: true,
        apiKey: SECRETS.API_KEY,
        faults: { ...noFaults, slowMs: 5_000, ...options.api },
      }),
    )
    const lake = yield* adlsEmulator({ accountKey: SECRETS.AZURE_STORAGE_ACCOUNT_KEY, dir: `${dir}/lake-store` })
    const sf = yield* salesforceEmulator({ password: SECRETS.SF_PASSWORD, securityToken: SECRETS.SF_SECURITY_TOKEN })
    const env: Record<string, string> = {
      API_BASE_URL: api.url,
      API_KEY: SECRETS.API_KEY,
      API_RATE_LIMIT_DELAY: "0",
      API_PAGE_SIZE: "250",
      API_TIMEOUT_SECONDS: "10",
      API_MAX_RETRIES: "4",
      STORAGE_ACCOUNT: lake.account,
      CONTAINER,
      ADLS_ENDPOINT: lake.url,
      AZURE_STORAGE_ACCOUNT_KEY: SECRETS.AZURE_STORAGE_ACCOUNT_KEY,
      WAREHOUSE: "sqlite",
      SQLITE_PATH: `${dir}/warehouse.sqlite`,
      AZURE_SQL_PASSWORD: SECRETS.AZURE_SQL_PASSWORD,
      SF_LOGIN_URL: sf.url,
      SF_USERNAME: "retl@example.com",
      SF_PASSWORD: SECRETS.SF_PASSWORD,
      SF_SECURITY_TOKEN: SECRETS.SF_SECURITY_TOKEN,
      SF_POLL_INTERVAL_SECONDS: "0.02",
      SF_POLL_TIMEOUT_SECONDS: "10",
      // The faults here are Bulk jobs' (a week's few hundred rows would go through sObject Collections).
      SF_COLLECTIONS_MAX_ROWS: "0",
      LOCAL_DATA_DIR: `${dir}/data/raw_events`,
      LOCAL_REJECTS_DIR: `${dir}/data/raw_events_rejects`,
      STATE_DIR: `${dir}/state`,
      TRANSFORM_WORKERS: "0",
      WEEK_START: "2019-12-01",
      WEEK_END: "2019-12-07",
    }
    const lakeFile = (path: string) => `${dir}/lake-store/${CONTAINER}/${path}`
    const stack: LiveStack = {
      seed: options.seed,
      dir,
      api,
      lake,
      sf,
      env,
      outputs: [],
      sqlite: env.SQLITE_PATH as string,
      stateDir: env.STATE_DIR as string,
      localDir: `${env.LOCAL_DATA_DIR}/${PARTITION}`,
      rejectsDir: `${env.LOCAL_REJECTS_DIR}/${PARTITION}`,
      lakeEvents: lakeFile(`reverse_etl/raw_events/${PARTITION}/events.parquet`),
      lakeFiles: () => Effect.sync(() => lake.files(CONTAINER).map((f) => f.path)),
      crmRecords: () => [...sf.store.records(SF_OBJECT).entries()].map(([id, r]) => [id, r.fields] as const),
      run: (args, env, watch) => runIn(stack, args, env, watch),
      assertNoDoubleUpload: () =>
        assertUpsertedOnce(
          sf
            .requestsOf("upload")
            .filter((r) => r.status === 201 && sf.jobs.state(r.jobId ?? "") === "JobComplete")
            .map((r) => r.externalIds ?? []),
          sf.store.records(SF_OBJECT).keys(),
        ),
    }
    return stack
  })

/**
 * The program's live layers (the real HttpClient, Azure SDK and jsforce, SQLite at SQLITE_PATH),
 * with the retry waits of the API client and the lake cut to milliseconds: the faults meet the
 * real clients, and a cell takes a second instead of a minute. Salesforce keeps its own waits.
 */
export const liveWiring = (settings: Record<string, string>, writeLog: (line: string) => void): Wiring => ({
  config: AppConfigProvider.layerFromMap(settings),
  eventsApi: EventsApiHttp.layerWith({ retry: { base: "20 millis", cap: "200 millis" } }).pipe(
    Layer.provide(NodeHttpClient.layerUndici),
  ),
  lake: LakeAdls.layerWith({ retryOptions: { maxTries: 1 }, retry: quickRetry(3) }),
  warehouse: WarehouseFromSettings.layer.pipe(Layer.provide(NodeFileSystem.layer)),
  dryRunWarehouse: WarehouseReadOnly.layer.pipe(Layer.provide(NodeFileSystem.layer)),
  scratchWarehouse: WarehouseScratch.layer.pipe(Layer.provide(NodeFileSystem.layer)),
  history: PipelineHistoryFromSettings.layer.pipe(Layer.provide(NodeFileSystem.layer)),
  stateStore: StateStoreFs.layer.pipe(Layer.provide(NodeFileSystem.layer)),
  crm: CrmJsforce.layer,
  writeLog,
})

/** `reverse-etl ...args` in this process on the live layers; its output is kept for the secret scan. */
const runIn = (
  stack: LiveStack,
  args: ReadonlyArray<string>,
  overrides: Record<string, string> = {},
  watch?: (line: Record<string, unknown>) => void,
): Effect.Effect<RunResult> => {
  const lines: Array<string> = []
  const writeLog = (line: string) => {
    lines.push(line)
    watch?.(JSON.parse(line))
  }
  return Effect.map(cliWith(liveWiring({ ...stack.env, ...overrides }, writeLog), args), ({ exit, stdout }) => {
    stack.outputs.push(stdout, lines.join("\n"))
    return fromExit(
      exit,
      lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    )
  })
}

/** `reverse-etl ...args` as a real process (the built binary) with the stack's settings. */
const runOut = (
  stack: LiveStack,
  args: ReadonlyArray<string>,
  overrides: Record<string, string> = {},
): Effect.Effect<RunResult> =>
  Effect.map(runCli(args, { env: { ...stack.env, ...overrides }, cwd: stack.dir }), (result) => {
    stack.outputs.push(result.stdout, result.stderr)
    return fromProcess(result)
  })

/** The stack a cell runs on: emulators up, warehouse migrated, checkpoint at the week. */
const standUpLive =
  (options: (seed: number) => Omit<StackOptions, "seed"> = () => ({})) =>
  (seed: number) =>
    Effect.tap(makeStack({ seed, ...options(seed) }), prepareStand)

const reference = referenceOf(standUpLive())

export interface LiveCase extends FaultCase<LiveStack> {
  /** How the emulators start for a seed (the events API's faults are fixed then). */
  readonly stack?: (seed: number) => Omit<StackOptions, "seed">
  /** Runs the faulted run as a real process (the built binary) rather than in this process. */
  readonly process?: boolean
}

/** A cell on the live stack. */
export const liveCell = (c: LiveCase) =>
  matrixCell(
    c.process ? { ...c, faulted: (stack: LiveStack) => runOut(stack, RUN, c.env) } : c,
    standUpLive(c.stack),
    reference,
  )
