/** What the operator commands' CLI tests share: a demo-like deployment on the emulators, and checks on its files. */
import { createHash } from "node:crypto"
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import { adlsEmulator } from "../../src/emulators/adls/AdlsEmulator.js"
import { ecomApiDefaults, serveEcomApi } from "../../src/emulators/events-api/EcomApiServer.js"
import {
  type EcomData,
  malformationAt,
  malformedRecords,
  pageRecords,
} from "../../src/emulators/events-api/EcomDataGenerator.js"
import { type SalesforceEmulator, salesforceEmulator } from "../../src/emulators/salesforce/SalesforceEmulator.js"
import { emulatorSettings } from "../../src/program/cli/EmulatorSettings.js"
import { exitCodeOf } from "../../src/program/cli/ExitCodes.js"
import type { runJson, stageJson, statusJson } from "../../src/program/operator/OperatorJson.js"
import { type CliResult, runCli } from "./cli.js"
import { cliWith } from "./PipelineHarness.js"
import { liveWiring } from "./reliability/LiveStack.js"
import { scopedTempDir } from "./TempDir.js"
import { assert } from "./vitest.js"

export const API_KEY = "operator-api-key"
export const WEEK_1 = { start: "2019-12-01", end: "2019-12-07" }
export const WEEK_2 = { start: "2019-12-08", end: "2019-12-14" }
export const EVENTS = 2_000
export const OBJECT = "Customer_Weekly_Metric__c"
export const DAY_MS = 86_400_000

/** A directory of the test's own, removed when the test ends. */
export const tempRoot = scopedTempDir("retl-operator-")

/** The demo's setup: the three emulators in this process, SQLite and state under `dir`. */
export const deployment = (dir: string, data: EcomData, salesforce: (sf: SalesforceEmulator) => void = () => {}) =>
  Effect.gen(function* () {
    const api = yield* serveEcomApi({ ...ecomApiDefaults, data, withTotal: true, apiKey: API_KEY })
    const lake = yield* adlsEmulator({})
    const sf = yield* salesforceEmulator({})
    salesforce(sf)
    const env: Record<string, string> = {
      ...emulatorSettings({ eventsApi: api.url, apiKey: API_KEY, adls: lake.url, salesforce: sf.url }, dir),
      TRANSFORM_WORKERS: "0",
      SF_POLL_INTERVAL_SECONDS: "0.05",
    }
    return { env, sf, sqlite: `${dir}/warehouse.sqlite`, queue: `${dir}/state/pending_db_updates.jsonl` }
  })

export const cli = (args: ReadonlyArray<string>, env: Record<string, string>) => runCli(args, { env })

/**
 * `reverse-etl ...args` in this process on the live layers, settings from `env` only: the same
 * commands and layers as the binary at a fraction of a process's start-up; the binary itself is
 * run where its exit code and stderr are the point.
 */
export const inProcess = (args: ReadonlyArray<string>, env: Record<string, string>): Effect.Effect<CliResult> => {
  const lines: Array<string> = []
  return Effect.map(
    cliWith(
      liveWiring(env, (line) => void lines.push(line)),
      [...args, "--log-format", "json"],
    ),
    ({ exit, stdout }) => ({ code: exitCodeOf(exit), stdout, stderr: lines.join("\n") }),
  )
}

export const runWeek = (week: { start: string; end: string }, env: Record<string, string>) =>
  Effect.gen(function* () {
    const result = yield* cli(["run", "--week-start", week.start, "--week-end", week.end], env)
    assert.strictEqual(result.code, 0, result.stderr.slice(-2000))
  })

export type StatusJson = ReturnType<typeof statusJson>
export type RunShowJson = {
  readonly run: ReturnType<typeof runJson>
  readonly stages: Array<ReturnType<typeof stageJson>>
}

export const parseJson = <A = StatusJson>(stdout: string) => JSON.parse(stdout) as A

/**
 * Every file under `dir` with its size and hash: what "nothing was written" is checked against.
 * SQLite's own `-wal` and `-shm` files are left out: whichever connection closes last removes
 * them, as the pipeline's own processes may leave them.
 */
export const snapshot = (dir: string): Record<string, string> =>
  Object.fromEntries(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && !/-(wal|shm)$/.test(entry.name))
      .map((entry) => {
        const path = join(entry.parentPath, entry.name)
        const hash = createHash("sha256").update(readFileSync(path)).digest("hex").slice(0, 16)
        return [path, `${statSync(path).size}:${hash}`]
      }),
  )

/** The customers Salesforce holds now, by the emulator's own store. */
export const storedCustomers = (sf: SalesforceEmulator) => sf.store.records(OBJECT).size

/** The customer of the first well-formed record of week 1: its row is certainly in the week's export. */
export const firstCustomer = (data: EcomData): string => {
  const records = pageRecords(data, WEEK_1, 1, 50)
  const index = records.findIndex((_, i) => malformationAt(data, WEEK_1, i) === undefined)
  return String((JSON.parse(records[index] ?? "{}") as { user_id: number | string }).user_id)
}

/** The customers of week 1, by the generator: each has one row in the export, all of them synced. */
/** Distinct customers of week 1, counted from the generator's records: an id sent as `510001315` and as `"510001315"` is one customer. */
export const customersOf = (data: EcomData) =>
  new Set(
    pageRecords(data, WEEK_1, 1, data.eventsPerWeek).map((r) =>
      String((JSON.parse(r) as { user_id: unknown }).user_id).trim(),
    ),
  ).size

export const rejectedIn = (data: EcomData, week: { start: string; end: string }) =>
  [...malformedRecords(data, week)].filter((m) => m.rejected).length
