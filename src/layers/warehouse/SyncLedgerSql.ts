import type { SqlClient, Statement } from "@effect/sql"
import { Array as Arr, Clock, Effect, Layer } from "effect"
import type { CollectedJob, JobRow, LedgerJob, LedgerJobState, NewJob } from "../../services/SyncLedger.js"
import { SyncLedger } from "../../services/SyncLedger.js"
import { warehouseRetry } from "../../services/Warehouse.js"
import { PARAMETER_BUDGET } from "./WarehouseLoad.js"
import { makeSqlContext, type SqlContext } from "./WarehouseSqlContext.js"
import { mapSqlErrors } from "./WarehouseSqlErrors.js"
import { isoDateOf } from "./WarehouseSqlTypes.js"

/** Batches within SQL Server's parameter budget (the ledger's statements are the same on both dialects). */
const batches = <A>(rows: ReadonlyArray<A>, columns: number): Array<Array<A>> =>
  Arr.chunksOf(rows, Math.floor(PARAMETER_BUDGET.mssql / columns))

const readDate = (value: unknown): Date =>
  value instanceof Date ? value : new Date(`${String(value).replace(" ", "T")}${String(value).length > 10 ? "Z" : ""}`)
const readIsoDate = (value: unknown): string => isoDateOf(value) ?? String(value).slice(0, 10)

interface JobRecord {
  readonly job_id: string
  readonly run_id: string
  readonly week_start: unknown
  readonly week_end: unknown
  readonly object_name: string
  readonly state: string
  readonly record_count: number
  readonly created_at: unknown
  readonly updated_at: unknown
}

/**
 * Now as the ledger keeps it: a `datetime2(3)` on SQL Server; on SQLite `YYYY-MM-DD HH:MM:SS.mmm`
 * UTC text, sortable, as every ledger written so far holds it (not the audit columns' ISO-8601).
 */
const timestampOf = ({ dialect, binds }: SqlContext) =>
  Effect.map(Clock.currentTimeMillis, (ms) =>
    dialect === "mssql" ? binds.instant(new Date(ms)) : new Date(ms).toISOString().replace("T", " ").slice(0, 23),
  )

/**
 * The ledger's tables on one client, its binds (every value typed for its column on SQL Server, as
 * the rest of the warehouse binds), and an INSERT of many records in batches under SQL Server's
 * parameter limit.
 */
const ledgerTables = (ctx: SqlContext) => {
  const { sql, table } = ctx
  const insertAll = (into: Statement.Identifier, records: ReadonlyArray<Record<string, unknown>>) =>
    Effect.forEach(
      batches(records, Object.keys(records[0] ?? {}).length || 1),
      (batch) => sql`INSERT INTO ${into} ${sql.insert(batch)}`,
      { discard: true },
    )
  return {
    sql,
    b: ctx.binds,
    timestamp: timestampOf(ctx),
    insertAll,
    jobs: table("salesforce_sync_job"),
    jobRowsTable: table("salesforce_sync_job_row"),
    state: table("salesforce_sync_state"),
    results: table("salesforce_sync_result"),
  }
}

type LedgerTables = ReturnType<typeof ledgerTables>

/** The job ledger: the Bulk jobs started, their rows, their state. */
const makeJobs = ({ sql, b, timestamp, insertAll, jobs, jobRowsTable }: LedgerTables) => {
  const recordJob = Effect.fn("SyncLedger.recordJob")((job: NewJob) =>
    Effect.gen(function* () {
      const now = yield* timestamp
      yield* sql`INSERT INTO ${jobs} ${sql.insert({
        job_id: b.text(job.jobId),
        run_id: b.text(job.runId),
        week_start: b.date(job.week.start),
        week_end: b.date(job.week.end),
        object_name: b.text(job.objectName),
        state: b.text("Open"),
        record_count: b.int(job.rows.length),
        created_at: now,
        updated_at: now,
      })}`
      yield* insertAll(
        jobRowsTable,
        job.rows.map((row) => ({
          job_id: b.text(job.jobId),
          external_id: b.text(row.externalId),
          content_hash: b.text(row.contentHash),
        })),
      )
    }).pipe(
      sql.withTransaction,
      mapSqlErrors("record a Bulk job (Salesforce sync ledger)"),
      Effect.retry(warehouseRetry),
    ),
  )

  const updateJobState = Effect.fn("SyncLedger.updateJobState")((jobId: string, newState: LedgerJobState) =>
    Effect.flatMap(
      timestamp,
      (now) => sql`UPDATE ${jobs} SET state = ${b.text(newState)}, updated_at = ${now} WHERE job_id = ${b.text(jobId)}`,
    ).pipe(
      Effect.asVoid,
      mapSqlErrors("update a Bulk job's state (Salesforce sync ledger)"),
      Effect.retry(warehouseRetry),
    ),
  )

  const unfinishedJobs = Effect.fn("SyncLedger.unfinishedJobs")((objectName: string) =>
    sql<JobRecord>`
      SELECT job_id, run_id, week_start, week_end, object_name, state, record_count, created_at, updated_at
      FROM ${jobs} WHERE object_name = ${b.text(objectName)} AND collected_at IS NULL ORDER BY created_at, job_id`.pipe(
      Effect.map((rows) =>
        rows.map(
          (row): LedgerJob => ({
            jobId: row.job_id,
            runId: row.run_id,
            weekStart: readIsoDate(row.week_start),
            weekEnd: readIsoDate(row.week_end),
            objectName: row.object_name,
            state: row.state as LedgerJobState,
            recordCount: Number(row.record_count),
            createdAt: readDate(row.created_at),
            updatedAt: readDate(row.updated_at),
          }),
        ),
      ),
      mapSqlErrors("list unfinished Bulk jobs (Salesforce sync ledger)"),
      Effect.retry(warehouseRetry),
    ),
  )

  const jobRows = Effect.fn("SyncLedger.jobRows")((jobId: string) =>
    sql<{ external_id: string; content_hash: string }>`
      SELECT external_id, content_hash FROM ${jobRowsTable} WHERE job_id = ${b.text(jobId)}`.pipe(
      Effect.map((rows) =>
        rows.map((row): JobRow => ({ externalId: row.external_id, contentHash: row.content_hash.trim() })),
      ),
      mapSqlErrors("read a Bulk job's rows (Salesforce sync ledger)"),
      Effect.retry(warehouseRetry),
    ),
  )

  return { recordJob, updateJobState, unfinishedJobs, jobRows }
}

/** The sync state (the hash each external id last reached Salesforce with) and the results of every row sent. */
const makeSyncState = ({ sql, b, timestamp, insertAll, jobs, jobRowsTable, state, results }: LedgerTables) => {
  const syncedHashes = Effect.fn("SyncLedger.syncedHashes")((externalIds: ReadonlyArray<string>) =>
    Effect.gen(function* () {
      const hashes = new Map<string, string>()
      for (const batch of batches(externalIds, 1)) {
        const rows = yield* sql<{ external_id: string; content_hash: string }>`
          SELECT external_id, content_hash FROM ${state} WHERE ${sql.in(
            "external_id",
            batch.map((id) => b.text(id)),
          )}`
        for (const row of rows) hashes.set(row.external_id, row.content_hash.trim())
      }
      return hashes as ReadonlyMap<string, string>
    }).pipe(mapSqlErrors("read the sync state (Salesforce sync ledger)"), Effect.retry(warehouseRetry)),
  )

  const collectJob = Effect.fn("SyncLedger.collectJob")((job: CollectedJob) => {
    const synced = job.results.filter((r) => r.outcome === "created" || r.outcome === "updated")
    return Effect.gen(function* () {
      const now = yield* timestamp
      yield* insertAll(
        results,
        job.results.map((r) => ({
          run_id: b.text(job.runId),
          job_id: b.text(job.jobId),
          external_id: b.text(r.externalId),
          salesforce_id: b.text(r.salesforceId),
          outcome: b.text(r.outcome),
          error_code: b.text(r.errorCode),
          error_message: b.longText(r.errorMessage),
          recorded_at: now,
        })),
      )
      for (const batch of batches(synced, 1)) {
        yield* sql`DELETE FROM ${state} WHERE ${sql.in(
          "external_id",
          batch.map((r) => b.text(r.externalId)),
        )}`
      }
      yield* insertAll(
        state,
        synced.map((r) => ({
          external_id: b.text(r.externalId),
          content_hash: b.text(r.contentHash),
          salesforce_id: b.text(r.salesforceId),
          run_id: b.text(job.runId),
          job_id: b.text(job.jobId),
          synced_at: now,
        })),
      )
      yield* sql`UPDATE ${jobs} SET state = ${b.text(job.state)}, error_message = ${b.longText(job.errorMessage)},
        updated_at = ${now}, collected_at = ${now} WHERE job_id = ${b.text(job.jobId)}`
      yield* sql`DELETE FROM ${jobRowsTable} WHERE job_id = ${b.text(job.jobId)}`
    }).pipe(
      sql.withTransaction,
      mapSqlErrors("store a Bulk job's results (Salesforce sync ledger)"),
      Effect.retry(warehouseRetry),
    )
  })

  return { syncedHashes, collectJob }
}

/**
 * The ledger in the warehouse's own database, on whatever `SqlClient` is provided. Every method is
 * one statement or one transaction, retried on `warehouseRetry` as the warehouse's are.
 */
export const layer: Layer.Layer<SyncLedger, never, SqlClient.SqlClient> = Layer.effect(
  SyncLedger,
  Effect.map(makeSqlContext, (ctx) => {
    const tables = ledgerTables(ctx)
    return SyncLedger.of({ ...makeJobs(tables), ...makeSyncState(tables) })
  }),
)
