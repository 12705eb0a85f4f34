import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import type { Json } from "@duckdb/node-api"
import { Effect } from "effect"
import { isStagingPath } from "../../../src/layers/lake/LakePaths.js"
import { duckQuery, parquet } from "../DuckDb.js"
import { readQuery, runStatement } from "../sqlite.js"
import { assert } from "../vitest.js"

export const PARTITION = "week_start=2019-12-01/week_end=2019-12-07"
export const SF_OBJECT = "Customer_Weekly_Metric__c"

/** Where one deployment keeps what a run produces, whatever runs it (harness, in-process CLI, process). */
export interface Deployment {
  readonly dir: string
  /** Every byte the runs printed or logged, for the secret scan. */
  readonly outputs: Array<string>
  readonly sqlite: string
  readonly stateDir: string
  /** The week's directory under LOCAL_DATA_DIR, and under LOCAL_REJECTS_DIR. */
  readonly localDir: string
  readonly rejectsDir: string
  /** The lake's copy of events.parquet as a file DuckDB can read, when the lake keeps files. */
  readonly lakeEvents?: string
  /** Every object in the lake, staging names included. */
  readonly lakeFiles: () => Effect.Effect<ReadonlyArray<string>>
  /** Salesforce's records by external id: their fields (ids are the org's business). */
  readonly crmRecords: () => ReadonlyArray<readonly [string, unknown]>
}

/** Points the checkpoint at the week (the schema must exist): a failed run must leave it there. */
export const seedCheckpoint = (sqlite: string) =>
  runStatement(
    sqlite,
    "INSERT INTO pipeline_checkpoint (checkpoint_id, next_week_start, next_week_end, updated_at) VALUES (1, ?, ?, ?)",
    "2019-12-01",
    "2019-12-07",
    new Date().toISOString(),
  )

export const checkpointOf = (sqlite: string): unknown =>
  readQuery(sqlite, "SELECT next_week_start FROM pipeline_checkpoint")[0]?.next_week_start

/** The checkpoint did not move: still this week in the warehouse, and no mirror saying otherwise. */
export const assertCheckpointUnmoved = (d: Deployment) => {
  assert.strictEqual(checkpointOf(d.sqlite), "2019-12-01", "a failed run leaves the checkpoint where it was")
  const mirror = `${d.stateDir}/extractor_state.json`
  if (existsSync(mirror)) assert.strictEqual(JSON.parse(readFileSync(mirror, "utf8")).next_week_start, "2019-12-01")
}

const walk = (dir: string): Array<string> =>
  existsSync(dir)
    ? readdirSync(dir).flatMap((name) => {
        const full = join(dir, name)
        return statSync(full).isDirectory() ? walk(full) : [full]
      })
    : []

const eventRows = (file: string) =>
  Effect.promise(() => duckQuery(`SELECT * EXCLUDE (ingested_at) FROM ${parquet(file)} ORDER BY ALL`))

const rejectRows = (file: string) =>
  Effect.promise(() => duckQuery(`SELECT * EXCLUDE (rejected_at) FROM ${parquet(file)} ORDER BY row_index`))

/** What a week's run leaves that a user would look at; nothing that depends on when it ran. */
export interface Snapshot {
  readonly events: ReadonlyArray<Record<string, Json>>
  readonly rejects: ReadonlyArray<Record<string, Json>>
  readonly lakeEvents: ReadonlyArray<Record<string, Json>> | null
  readonly lakeFiles: ReadonlyArray<string>
  readonly warehouse: ReadonlyArray<Record<string, unknown>>
  readonly crm: ReadonlyArray<readonly [string, unknown]>
}

const WAREHOUSE_ROWS = `SELECT event_time, event_type, product_id, category_id, category_code, brand, price, user_id,
  user_session, batch_week_start, batch_week_end FROM ecom_events
  ORDER BY event_time, user_id, event_type, product_id, user_session, price`

export const snapshot = (d: Deployment): Effect.Effect<Snapshot> =>
  Effect.gen(function* () {
    const lakeEvents = d.lakeEvents
    return {
      events: yield* eventRows(`${d.localDir}/events.parquet`),
      rejects: yield* rejectRows(`${d.rejectsDir}/rejects.parquet`),
      lakeEvents: lakeEvents !== undefined && existsSync(lakeEvents) ? yield* eventRows(lakeEvents) : null,
      lakeFiles: (yield* d.lakeFiles()).filter((p) => !isStagingPath(p)).sort(),
      warehouse: readQuery(d.sqlite, WAREHOUSE_ROWS),
      crm: [...d.crmRecords()].sort(([a], [b]) => a.localeCompare(b)),
    }
  })

/** The outputs equal a never-faulted run's, and the week is done: checkpoint moved by exactly a week. */
export const assertSameOutputs = (d: Deployment, reference: Snapshot) =>
  Effect.gen(function* () {
    const actual = yield* snapshot(d)
    assert.isAbove(reference.events.length, 0)
    assert.isAbove(reference.crm.length, 0)
    if (d.lakeEvents !== undefined) assert.isNotNull(reference.lakeEvents)
    assert.isNotEmpty(reference.lakeFiles)
    assert.strictEqual(actual.events.length, reference.events.length, "events.parquet rows")
    assert.deepStrictEqual(actual.events, reference.events, "events.parquet")
    assert.deepStrictEqual(actual.rejects, reference.rejects, "rejects.parquet")
    assert.deepStrictEqual(actual.lakeEvents, reference.lakeEvents, "the lake's events.parquet")
    assert.deepStrictEqual(actual.lakeFiles, reference.lakeFiles, "the lake's files")
    assert.strictEqual(actual.warehouse.length, reference.warehouse.length, "warehouse rows")
    assert.deepStrictEqual(actual.warehouse, reference.warehouse, "ecom_events")
    assert.deepStrictEqual(actual.crm, reference.crm, "Salesforce records")
    assert.strictEqual(checkpointOf(d.sqlite), "2019-12-08", "the checkpoint moved by exactly one week")
  })

/**
 * No temp file is left, locally or as a staging object in the lake, and whatever sits under a
 * final name is whole: raw.ndjson holds every record, the Parquet files read back equal to a
 * never-faulted run's.
 */
export const assertNoPartialFiles = (d: Deployment, reference: Snapshot, eventsPerWeek: number) =>
  Effect.gen(function* () {
    const temps = walk(d.dir).filter((p) => /\/\.[^/]+\.tmp-[^/]+$/.test(p))
    assert.deepStrictEqual(temps, [], "no temp file is left on disk")
    const staging = (yield* d.lakeFiles()).filter(isStagingPath)
    assert.deepStrictEqual(staging, [], "no staging object is left in the lake")
    const raw = `${d.localDir}/raw.ndjson`
    if (existsSync(raw)) {
      const text = readFileSync(raw, "utf8")
      assert.strictEqual(text.split("\n").length - 1, eventsPerWeek, "raw.ndjson is whole")
    }
    if (existsSync(`${d.localDir}/events.parquet`)) {
      assert.deepStrictEqual(yield* eventRows(`${d.localDir}/events.parquet`), reference.events)
    }
    if (existsSync(`${d.rejectsDir}/rejects.parquet`)) {
      assert.deepStrictEqual(yield* rejectRows(`${d.rejectsDir}/rejects.parquet`), reference.rejects)
    }
    if (d.lakeEvents !== undefined && existsSync(d.lakeEvents)) {
      assert.deepStrictEqual(yield* eventRows(d.lakeEvents), reference.events)
    }
  })

/**
 * Every external id reached Salesforce in exactly one job that completed: a fault may make the
 * pipeline send a row again only when Salesforce refused or failed the job that carried it.
 * `completedUploads` holds the external ids of each upload whose job completed.
 */
export const assertUpsertedOnce = (
  completedUploads: ReadonlyArray<ReadonlyArray<string>>,
  stored: Iterable<string>,
) => {
  const seen = new Map<string, number>()
  for (const id of completedUploads.flat()) seen.set(id, (seen.get(id) ?? 0) + 1)
  assert.deepStrictEqual(
    [...seen].filter(([, n]) => n > 1),
    [],
    "no row was upserted twice",
  )
  assert.deepStrictEqual([...seen.keys()].sort(), [...stored].sort(), "every record came from one upload")
}
