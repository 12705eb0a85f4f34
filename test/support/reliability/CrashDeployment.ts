import { createHash } from "node:crypto"
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Either } from "effect"
import { encodePendingLine, newPendingEntry } from "../../../src/domain/PendingUpdate.js"
import { runMetrics } from "../../../src/domain/RunStatus.js"
import { parseWeek } from "../../../src/domain/Week.js"
import type { AdlsEmulator } from "../../../src/emulators/adls/AdlsEmulator.js"
import type { RunningEcomApi } from "../../../src/emulators/events-api/EcomApiServer.js"
import { EMULATOR_DEFAULTS, type SalesforceEmulator } from "../../../src/emulators/salesforce/SalesforceEmulator.js"
import { duckColumns, duckQuery, parquet } from "../DuckDb.js"
import { readQuery } from "../sqlite.js"
import { SECRETS } from "./Secrets.js"

export const WEEK = { start: "2019-12-01", end: "2019-12-07", next: "2019-12-08", nextEnd: "2019-12-14" }
export const WEEK_FLAGS = ["--week-start", WEEK.start, "--week-end", WEEK.end]
export const PARTITION = `week_start=${WEEK.start}/week_end=${WEEK.end}`
export const OBJECT = "Customer_Weekly_Metric__c"

/** The Salesforce emulator as the suite's secrets log in to it. */
export const salesforceLogin = { password: SECRETS.SF_PASSWORD, securityToken: SECRETS.SF_SECURITY_TOKEN }

/**
 * One deployment: its own lake container, SQLite warehouse file and Salesforce org, every secret
 * of the suite set. Each worker (a process's disk) is a directory of `root`.
 */
export const deployment = (
  root: string,
  name: string,
  api: RunningEcomApi,
  lake: AdlsEmulator,
  sf: SalesforceEmulator,
) => {
  const shared = {
    API_BASE_URL: api.url,
    API_KEY: SECRETS.API_KEY,
    API_RATE_LIMIT_DELAY: "0",
    TRANSFORM_WORKERS: "1",
    STORAGE_ACCOUNT: lake.account,
    CONTAINER: name,
    ADLS_ENDPOINT: lake.url,
    AZURE_STORAGE_ACCOUNT_KEY: SECRETS.AZURE_STORAGE_ACCOUNT_KEY,
    WAREHOUSE: "sqlite",
    SQLITE_PATH: `${root}/warehouse.sqlite`,
    AZURE_SQL_PASSWORD: SECRETS.AZURE_SQL_PASSWORD,
    SF_LOGIN_URL: sf.url,
    SF_USERNAME: EMULATOR_DEFAULTS.username,
    SF_PASSWORD: SECRETS.SF_PASSWORD,
    SF_SECURITY_TOKEN: SECRETS.SF_SECURITY_TOKEN,
    SF_POLL_INTERVAL_SECONDS: "0.05",
    // Small jobs: the sync of a week is several jobs, so a kill can fall between them.
    SF_BATCH_SIZE: "250",
    // Several of them in flight at once: a kill in the sync leaves more than one job to reattach.
    SF_MAX_CONCURRENT_JOBS: "4",
    SF_COLLECTIONS_MAX_ROWS: "0",
  }
  return {
    root,
    container: name,
    sqlite: shared.SQLITE_PATH,
    sf,
    lake,
    /** The settings of a process on `worker`'s disk. */
    env: (worker: string, extra: Record<string, string> = {}): Record<string, string> => ({
      ...shared,
      LOCAL_DATA_DIR: `${root}/${worker}/data/raw_events`,
      LOCAL_REJECTS_DIR: `${root}/${worker}/data/raw_events_rejects`,
      STATE_DIR: `${root}/${worker}/state`,
      ...extra,
    }),
  }
}
export type Deployment = ReturnType<typeof deployment>

/** The run whose end waits in every deployment's queue, and never gets written: its start was lost. */
export const LOST_RUN = "crash-suite-run-never-started"

/**
 * What an earlier week left in the replay queue when the first process starts: its checkpoint
 * write (replayed at once: the checkpoint then points at this week, so moving it past this week
 * is the run's to do) and the end of a run whose start never reached the warehouse (kept, its
 * attempts counted, by every run: the queue is rewritten while processes are being killed).
 */
export const seedPendingQueue = (d: Deployment, worker: string) => {
  const before = Either.getOrThrow(parseWeek("2019-11-24", "2019-11-30"))
  const at = new Date("2019-12-01T02:00:00Z")
  const lost = {
    runId: LOST_RUN,
    status: "SUCCESS" as const,
    metrics: runMetrics(10, 0, 5),
    finishedAt: at,
    outputPath: null,
    rejectsPath: null,
    errorType: null,
    errorMessage: null,
  }
  const lines = [
    newPendingEntry({ _tag: "AdvanceCheckpoint", completed: before }, at),
    newPendingEntry({ _tag: "FinishRun", run: lost }, at),
  ].map((entry) => encodePendingLine({ ...entry, lastError: "the warehouse was down (seeded by the crash suite)" }))
  mkdirSync(`${d.root}/${worker}/state`, { recursive: true })
  writeFileSync(`${d.root}/${worker}/state/pending_db_updates.jsonl`, `${lines.join("\n")}\n`)
}

/** Rows as comparable text, with a digest: a week's rows compare in one step, and a difference shows. */
export interface Rows {
  readonly count: number
  readonly sha256: string
  readonly lines: ReadonlyArray<string>
}

const rows = (values: ReadonlyArray<unknown>): Rows => {
  const lines = values.map((v) => JSON.stringify(v))
  return { count: lines.length, sha256: createHash("sha256").update(lines.join("\n")).digest("hex"), lines }
}

/** Why two sets of rows differ: their counts, and the first row that is not the same. */
export const rowDifference = (actual: Rows, expected: Rows): string | undefined => {
  if (actual.sha256 === expected.sha256) return undefined
  const i = actual.lines.findIndex((line, n) => line !== expected.lines[n])
  const at = i < 0 ? Math.min(actual.count, expected.count) : i
  return `${actual.count} rows, expected ${expected.count}; first difference at row ${at}: ${actual.lines[at]} ≠ ${expected.lines[at]}`
}

/** Every file under `dir` (hidden ones included), as paths. */
export const filesUnder = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((name) => {
    const full = join(dir, name)
    return statSync(full).isDirectory() ? filesUnder(full) : [full]
  })

/** The columns that say when a run wrote a row: they differ between any two runs. */
const RUN_TIMES = ["ingested_at", "rejected_at"]

/** A Parquet file's rows as DuckDB reads them, in a total order, without the times of the run. */
export const parquetRows = async (path: string): Promise<Rows> => {
  const times = (await duckColumns(path)).map(([name]) => name).filter((name) => RUN_TIMES.includes(name))
  const exclude = times.length > 0 ? ` EXCLUDE (${times.join(", ")})` : ""
  return rows(await duckQuery(`SELECT *${exclude} FROM ${parquet(path)} ORDER BY ALL`))
}

const EVENT_COLUMNS =
  "event_time, event_type, product_id, category_id, category_code, brand, price, user_id, user_session, batch_week_start, batch_week_end"

/** What a deployment holds once the week went through: what a user of each system would see. */
export interface WeekState {
  readonly warehouse: Rows
  readonly syncState: Rows
  readonly salesforce: Rows
  readonly checkpoint: ReadonlyArray<Record<string, unknown>>
  readonly unfinishedJobs: number
}

export const weekState = (d: Deployment): WeekState => ({
  warehouse: rows(readQuery(d.sqlite, `SELECT ${EVENT_COLUMNS} FROM ecom_events ORDER BY ${EVENT_COLUMNS}`)),
  syncState: rows(
    readQuery(d.sqlite, "SELECT external_id, content_hash FROM salesforce_sync_state ORDER BY external_id"),
  ),
  salesforce: rows(
    [...d.sf.store.records(OBJECT).entries()]
      .map(([id, record]) => [id, record.fields] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  ),
  checkpoint: readQuery(d.sqlite, "SELECT next_week_start, next_week_end FROM pipeline_checkpoint"),
  unfinishedJobs: Number(
    readQuery(d.sqlite, "SELECT COUNT(*) AS n FROM salesforce_sync_job WHERE collected_at IS NULL")[0]?.n,
  ),
})

/** The week's Parquet files anywhere on the deployment's disks (each worker may hold a copy). */
export const parquetFiles = (d: Deployment, name: "events.parquet" | "rejects.parquet") =>
  filesUnder(d.root).filter((path) => path.endsWith(`/${name}`) && path.includes(PARTITION))

/** Hidden temp files left in the week's directories of `worker`'s disk. */
export const weekTempsOn = (d: Deployment, worker: string): Array<string> => {
  const data = join(d.root, worker, "data")
  return existsSync(data) ? filesUnder(data).filter((p) => p.includes(PARTITION) && p.includes(".tmp-")) : []
}
