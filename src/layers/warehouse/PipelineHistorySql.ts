import type { SqlClient } from "@effect/sql"
import { Effect, Layer, Option } from "effect"
import { WarehouseError } from "../../domain/Errors.js"
import { STAGES } from "../../domain/RunStatus.js"
import { type DayFilter, PipelineHistory, type RunRecord, type StageRecord } from "../../services/PipelineHistory.js"
import { warehouseRetry } from "../../services/Warehouse.js"
import { FAILED_ROWS_PAGE, makeSalesforceSyncReads } from "./SalesforceSyncReads.js"
import { makeAudit } from "./WarehouseAudit.js"
import { countOrNull, dateOrNull, instant, instantOrNull, type Row, textOrNull } from "./WarehouseReadRows.js"
import { makeSqlContext, type SqlContext } from "./WarehouseSqlContext.js"
import { mapSqlErrors } from "./WarehouseSqlErrors.js"

/** The tables the operator's commands read; a warehouse without them was never migrated. */
export const REQUIRED_TABLES = [
  "pipeline_checkpoint",
  "pipeline_run",
  "pipeline_stage",
  "salesforce_sync_job",
  "salesforce_sync_result",
  "salesforce_sync_state",
] as const

export interface PipelineHistorySqlOptions {
  /** The warehouse as a person would name it in a message: `SQLite at SQLITE_PATH=…`. */
  readonly where: string
  /** Failed rows a page holds (default 5,000). */
  readonly failedRowsPageSize?: number
}

const toRun = (row: Row): RunRecord => ({
  runId: String(row.run_id),
  correlationId: String(row.correlation_id),
  weekStart: dateOrNull(row.week_start) ?? "",
  weekEnd: dateOrNull(row.week_end) ?? "",
  status: String(row.status),
  startedAt: instant(row.started_at),
  finishedAt: instantOrNull(row.finished_at),
  rowsFetched: countOrNull(row.rows_fetched),
  rowsValid: countOrNull(row.rows_output),
  rowsRejected: countOrNull(row.rows_rejected),
  rejectRatePct: countOrNull(row.reject_rate_pct),
  rejectThresholdPct: countOrNull(row.reject_threshold_pct),
  rowsSynced: countOrNull(row.rows_synced),
  failedStage: textOrNull(row.failed_stage),
  errorType: textOrNull(row.error_type),
  errorMessage: textOrNull(row.error_message),
  outputPath: textOrNull(row.output_path),
  rejectsPath: textOrNull(row.rejects_path),
})

const toStage = (row: Row): StageRecord => ({
  stage: String(row.stage),
  status: String(row.status),
  startedAt: instantOrNull(row.started_at),
  finishedAt: instantOrNull(row.finished_at),
  rowsIn: countOrNull(row.rows_in),
  rowsOut: countOrNull(row.rows_out),
  errorType: textOrNull(row.error_type),
  errorMessage: textOrNull(row.error_message),
})

/** Stages in the order a run takes them; a name this version does not know goes last. */
const stageOrder = (stage: StageRecord) => {
  const index = STAGES.indexOf(stage.stage as (typeof STAGES)[number])
  return index === -1 ? STAGES.length : index
}

const missingTables = (ctx: SqlContext) => {
  const { sql, binds: b, dialect } = ctx
  const names =
    dialect === "mssql"
      ? sql<Row>`SELECT TABLE_NAME AS name FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = ${b.text("dbo")}`
      : sql<Row>`SELECT name FROM sqlite_master WHERE type = 'table'`
  return names.pipe(
    Effect.map((rows) => {
      const present = new Set(rows.map((row) => String(row.name).toLowerCase()))
      return REQUIRED_TABLES.filter((table) => !present.has(table))
    }),
    mapSqlErrors("read the list of tables"),
    Effect.retry(warehouseRetry),
  )
}

const notMigrated = (where: string, missing: ReadonlyArray<string>) =>
  new WarehouseError({
    message:
      missing.length === REQUIRED_TABLES.length
        ? `the warehouse (${where}) has no pipeline tables yet: run \`reverse-etl db migrate\` (or a first \`reverse-etl run\`) to create them`
        : `the warehouse (${where}) lacks ${missing.join(", ")}: its schema is older than this version; run \`reverse-etl db migrate\``,
    details: { operation: "open", reason: "not migrated", missing_tables: missing },
  })

/** The runs and their stages, read from `pipeline_run` and `pipeline_stage`. */
const makeRuns = (ctx: SqlContext) => {
  const { sql, binds: b, dialect } = ctx
  const runs = ctx.table("pipeline_run")
  const stages = ctx.table("pipeline_stage")
  const mssql = dialect === "mssql"
  const lit = (text: string) => sql.literal(mssql ? `N'${text}'` : `'${text}'`)
  const none = sql.literal("")

  const runColumns = sql`r.run_id, r.correlation_id, r.week_start, r.week_end, r.status, r.rows_fetched,
  r.rows_output, r.rows_rejected, r.reject_rate_pct, r.reject_threshold_pct, r.started_at, r.finished_at,
  r.output_path, r.rejects_path, r.error_type, r.error_message,
  (SELECT ${mssql ? sql.literal("TOP (1) ") : none}s.stage FROM ${stages} s
    WHERE s.run_id = r.run_id AND s.status = ${lit("FAILED")} ORDER BY s.finished_at DESC${
      mssql ? none : sql.literal(" LIMIT 1")
    }) AS failed_stage,
  (SELECT s.rows_out FROM ${stages} s
    WHERE s.run_id = r.run_id AND s.stage = ${lit("salesforce-sync")} AND s.status = ${lit("SUCCESS")}) AS rows_synced`

  const list = Effect.fn("PipelineHistory.runs")((filter: { readonly week: DayFilter; readonly limit: number }) =>
    sql<Row>`SELECT ${mssql ? sql`TOP (${b.int(filter.limit)}) ` : none}${runColumns}
FROM ${runs} r${
      Option.isSome(filter.week)
        ? sql`
WHERE r.week_start <= ${b.date(filter.week.value)} AND r.week_end >= ${b.date(filter.week.value)}`
        : none
    }
ORDER BY r.started_at DESC, r.run_id DESC${mssql ? none : sql` LIMIT ${b.int(filter.limit)}`}`.pipe(
      Effect.map((rows) => rows.map(toRun)),
      mapSqlErrors("list runs"),
      Effect.retry(warehouseRetry),
    ),
  )

  const one = Effect.fn("PipelineHistory.run")((runId: string) =>
    Effect.gen(function* () {
      const found = yield* sql<Row>`SELECT ${runColumns} FROM ${runs} r WHERE r.run_id = ${b.text(runId)}`
      if (found[0] === undefined) return Option.none()
      const rows = yield* sql<Row>`SELECT stage, status, started_at, finished_at, rows_in, rows_out, error_type,
  error_message FROM ${stages} WHERE run_id = ${b.text(runId)} ORDER BY started_at, stage`
      const ordered = rows.map(toStage).sort((x, y) => stageOrder(x) - stageOrder(y))
      return Option.some({ run: toRun(found[0]), stages: ordered })
    }).pipe(mapSqlErrors("read a run", { run_id: runId }), Effect.retry(warehouseRetry)),
  )

  return { runs: list, run: one }
}

const make = (options: PipelineHistorySqlOptions) =>
  Effect.gen(function* () {
    const ctx = yield* makeSqlContext
    const missing = yield* missingTables(ctx)
    if (missing.length > 0) return yield* notMigrated(options.where, missing)
    return PipelineHistory.of({
      checkpoint: makeAudit(ctx).readCheckpoint,
      ...makeRuns(ctx),
      ...makeSalesforceSyncReads(ctx, options.failedRowsPageSize ?? FAILED_ROWS_PAGE),
    })
  })

/**
 * The pipeline's history over whatever `SqlClient` is provided, SQL Server or SQLite: SELECTs
 * only. Fails when it is built on a warehouse that lacks the pipeline's tables, naming them.
 */
export const layer = (
  options: PipelineHistorySqlOptions,
): Layer.Layer<PipelineHistory, WarehouseError, SqlClient.SqlClient> => Layer.effect(PipelineHistory, make(options))
