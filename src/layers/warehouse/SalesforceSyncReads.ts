import type { Statement } from "@effect/sql"
import type { SqlError } from "@effect/sql/SqlError"
import { Chunk, Effect, Option, Stream } from "effect"
import type { WarehouseError } from "../../domain/Errors.js"
import type { FailedRow, FailureCount, OpenBulkJob } from "../../services/PipelineHistory.js"
import { warehouseRetry } from "../../services/Warehouse.js"
import { countOrNull, dateOrNull, instant, type Row, textOrNull } from "./WarehouseReadRows.js"
import type { SqlContext } from "./WarehouseSqlContext.js"
import { mapSqlErrors } from "./WarehouseSqlErrors.js"

/**
 * Every read of the Salesforce sync's tables (the Bulk job ledger `salesforce_sync_job`, the sync
 * state `salesforce_sync_state`, the per-row results `salesforce_sync_result`) for the operator's
 * commands, in one module: a change to those tables is one change here.
 *
 * A row is not in sync when its latest `failed` or `unprocessed` result is newer than the moment
 * it last reached Salesforce (`salesforce_sync_state.synced_at`, moved only by a row that did):
 * a row that failed and went through later is in sync; one that went through and failed on a
 * later change is not. Its week is that of the job that sent it.
 */

/** Rows a page of failed rows holds by default: the scan of the results is repeated once a page. */
export const FAILED_ROWS_PAGE = 5_000

const COUNT_COLUMNS = "f.week_start, f.week_end, f.outcome, f.error_code, COUNT(*) AS row_count"
const ROW_COLUMNS =
  "f.external_id, f.week_start, f.week_end, f.outcome, f.error_code, f.error_message, f.salesforce_id, f.run_id, f.job_id, f.recorded_at"

const openJob = (row: Row): OpenBulkJob => ({
  jobId: String(row.job_id),
  runId: String(row.run_id),
  weekStart: dateOrNull(row.week_start) ?? "",
  weekEnd: dateOrNull(row.week_end) ?? "",
  objectName: String(row.object_name),
  state: String(row.state),
  recordCount: Number(row.record_count),
  createdAt: instant(row.created_at),
  updatedAt: instant(row.updated_at),
})

const failedRow = (row: Row): FailedRow => ({
  externalId: String(row.external_id),
  weekStart: dateOrNull(row.week_start),
  weekEnd: dateOrNull(row.week_end),
  outcome: String(row.outcome),
  errorCode: textOrNull(row.error_code),
  errorMessage: textOrNull(row.error_message),
  salesforceId: textOrNull(row.salesforce_id),
  runId: String(row.run_id),
  jobId: String(row.job_id),
  recordedAt: instant(row.recorded_at),
})

const failureCount = (row: Row): FailureCount => ({
  weekStart: dateOrNull(row.week_start),
  weekEnd: dateOrNull(row.week_end),
  outcome: String(row.outcome),
  errorCode: textOrNull(row.error_code),
  rows: countOrNull(row.row_count) ?? 0,
})

/** The ledger's tables and the bits of SQL that differ between the dialects. */
const ledgerSql = (ctx: SqlContext) => {
  const { sql, binds: b, dialect } = ctx
  const mssql = dialect === "mssql"
  const none = sql.literal("")
  return {
    sql,
    b,
    none,
    jobs: ctx.table("salesforce_sync_job"),
    results: ctx.table("salesforce_sync_result"),
    state: ctx.table("salesforce_sync_state"),
    lit: (text: string) => sql.literal(mssql ? `N'${text}'` : `'${text}'`),
    top: (n: number) => (mssql ? sql`TOP (${b.int(n)}) ` : none),
    limit: (n: number) => (mssql ? none : sql` LIMIT ${b.int(n)}`),
    read:
      (operation: string) =>
      <A>(self: Effect.Effect<A, SqlError>): Effect.Effect<A, WarehouseError> =>
        self.pipe(mapSqlErrors(`${operation} (Salesforce sync ledger)`), Effect.retry(warehouseRetry)),
  }
}

/**
 * The latest failing result of each row not in sync, as a derived table `f` with its week;
 * `after` keeps only external ids past it (all of a row's results are on one side of it).
 */
const failingRows =
  ({ sql, b, none, jobs, results, state, lit }: ReturnType<typeof ledgerSql>) =>
  (head: Statement.Fragment, columns: string, after: Option.Option<string>, day: Option.Option<string>) =>
    sql`SELECT ${head}${sql.literal(columns)} FROM (
  SELECT r.external_id, r.outcome, r.error_code, r.error_message, r.salesforce_id, r.run_id, r.job_id,
    r.recorded_at, j.week_start, j.week_end,
    ROW_NUMBER() OVER (PARTITION BY r.external_id ORDER BY r.recorded_at DESC, r.job_id DESC) AS attempt
  FROM ${results} r LEFT JOIN ${jobs} j ON j.job_id = r.job_id
  WHERE r.outcome IN (${lit("failed")}, ${lit("unprocessed")})${
    Option.isSome(after) ? sql` AND r.external_id > ${b.text(after.value)}` : none
  }
) f LEFT JOIN ${state} s ON s.external_id = f.external_id
WHERE f.attempt = 1 AND (s.synced_at IS NULL OR s.synced_at < f.recorded_at)${
      Option.isSome(day) ? sql` AND f.week_start <= ${b.date(day.value)} AND f.week_end >= ${b.date(day.value)}` : none
    }`

export const makeSalesforceSyncReads = (ctx: SqlContext, pageSize: number = FAILED_ROWS_PAGE) => {
  const q = ledgerSql(ctx)
  const { sql, jobs, top, limit, read, none } = q
  const failing = failingRows(q)

  const openBulkJobs = Effect.fn("PipelineHistory.openBulkJobs")(() =>
    sql<Row>`SELECT job_id, run_id, week_start, week_end, object_name, state, record_count, created_at, updated_at
FROM ${jobs} WHERE collected_at IS NULL ORDER BY created_at, job_id`.pipe(
      Effect.map((rows) => rows.map(openJob)),
      read("list unfinished Bulk jobs"),
    ),
  )

  const lastSyncedWeek = Effect.fn("PipelineHistory.lastSyncedWeek")(() =>
    sql<Row>`SELECT ${top(1)}week_start, week_end FROM ${jobs} WHERE collected_at IS NOT NULL
ORDER BY collected_at DESC, created_at DESC${limit(1)}`.pipe(
      Effect.map((rows) =>
        Option.flatMap(Option.fromNullable(rows[0]), (row) => {
          const start = dateOrNull(row.week_start)
          const end = dateOrNull(row.week_end)
          return start === null || end === null ? Option.none() : Option.some({ start, end })
        }),
      ),
      read("find the week of the last sync"),
    ),
  )

  const failureCounts = Effect.fn("PipelineHistory.failureCounts")(() =>
    sql<Row>`${failing(none, COUNT_COLUMNS, Option.none(), Option.none())}
GROUP BY f.week_start, f.week_end, f.outcome, f.error_code
ORDER BY f.week_start DESC, row_count DESC, f.error_code`.pipe(
      Effect.map((rows) => rows.map(failureCount)),
      read("count rows not in sync"),
    ),
  )

  const failedPage = (day: Option.Option<string>, after: Option.Option<string>) =>
    sql<Row>`${failing(top(pageSize), ROW_COLUMNS, after, day)}
ORDER BY f.external_id${limit(pageSize)}`.pipe(read("list rows not in sync"))

  const failedRows = (day: Option.Option<string>) =>
    Stream.paginateChunkEffect(Option.none<string>(), (after) =>
      Effect.map(failedPage(day, after), (rows) => {
        const last = rows[rows.length - 1]
        const more = rows.length === pageSize && last !== undefined
        return [
          Chunk.unsafeFromArray(rows.map(failedRow)),
          more ? Option.some(Option.some(String(last.external_id))) : Option.none(),
        ] as const
      }),
    ).pipe(Stream.withSpan("PipelineHistory.failedRows"))

  return {
    openBulkJobs: openBulkJobs(),
    lastSyncedWeek: lastSyncedWeek(),
    failureCounts: failureCounts(),
    failedRows,
  }
}
