import { Clock, Effect, Either, Option } from "effect"
import type { RunFinish, RunStart, StageFinish, StageStart } from "../../domain/AuditRecords.js"
import { CheckpointError, WarehouseError } from "../../domain/Errors.js"
import { parseWeek, type Week } from "../../domain/Week.js"
import { type Checkpoint, warehouseRetry } from "../../services/Warehouse.js"
import type { SqlContext } from "./WarehouseSqlContext.js"
import { checkpointError, mapSqlErrors } from "./WarehouseSqlErrors.js"
import { instantOf, isoDateOf, TEXT_LENGTH } from "./WarehouseSqlTypes.js"

type Row = Readonly<Record<string, unknown>>

const CHECKPOINT_COLUMNS = { start: "pipeline_checkpoint.next_week_start", end: "pipeline_checkpoint.next_week_end" }

const unreadable = (rule: string, value: unknown) =>
  new CheckpointError({
    message: `the checkpoint in pipeline_checkpoint is unreadable: ${rule} (got ${JSON.stringify(value) ?? String(value)})`,
    details: { operation: "readCheckpoint", rule },
  })

const toCheckpoint = (row: Row): Either.Either<Checkpoint, CheckpointError> => {
  const start = isoDateOf(row.next_week_start)
  const end = isoDateOf(row.next_week_end)
  const updatedAt = instantOf(row.updated_at)
  if (start === undefined) return Either.left(unreadable("next_week_start is not a date", row.next_week_start))
  if (end === undefined) return Either.left(unreadable("next_week_end is not a date", row.next_week_end))
  if (updatedAt === undefined) return Either.left(unreadable("updated_at is not a moment", row.updated_at))
  return Either.match(parseWeek(start, end, CHECKPOINT_COLUMNS), {
    onLeft: (error) => Either.left(unreadable(error.message, { start, end })),
    onRight: (next) => Either.right({ next, updatedAt }),
  })
}

/** Error messages go to an nvarchar(4000) column; the full text is in the run's logs. */
const clip = (text: string | null) => (text === null || text.length <= TEXT_LENGTH ? text : text.slice(0, TEXT_LENGTH))

const missing = (operation: string, what: string, details: Record<string, unknown>) =>
  new WarehouseError({
    message: `warehouse ${operation} found no ${what}: its start was never recorded`,
    details: { operation, reason: "not started", ...details },
  })

/** `UPDATE … OUTPUT INSERTED.col` on SQL Server, `UPDATE … RETURNING col` on SQLite: the rows an update touched. */
const returning = ({ sql, dialect }: SqlContext, column: string) =>
  dialect === "mssql" ? sql.literal(` OUTPUT INSERTED.${column}`) : sql.literal("")
const returningTail = ({ sql, dialect }: SqlContext, column: string) =>
  dialect === "mssql" ? sql.literal("") : sql.literal(` RETURNING ${column}`)

/** The checkpoint: read, and moved forward only. */
const makeCheckpoint = (ctx: SqlContext) => {
  const { sql, binds: b, dialect } = ctx
  const checkpoint = ctx.table("pipeline_checkpoint")
  const now = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms))

  const selectCheckpoint = sql<Row>`SELECT next_week_start, next_week_end, updated_at FROM ${checkpoint}
WHERE checkpoint_id = 1`

  const readCheckpoint = Effect.fn("Warehouse.readCheckpoint")(function* () {
    const rows = yield* selectCheckpoint.pipe(Effect.mapError(checkpointError), Effect.retry(warehouseRetry))
    return rows[0] === undefined ? Option.none<Checkpoint>() : Option.some(yield* toCheckpoint(rows[0]))
  })

  const upsertCheckpoint = (next: Week, at: Date) =>
    dialect === "mssql"
      ? sql`MERGE ${checkpoint} WITH (HOLDLOCK) AS target
USING (SELECT 1 AS checkpoint_id) AS source ON target.checkpoint_id = source.checkpoint_id
WHEN MATCHED AND target.next_week_start < ${b.date(next.start)} THEN
  UPDATE SET next_week_start = ${b.date(next.start)}, next_week_end = ${b.date(next.end)}, updated_at = ${b.instant(at)}
WHEN NOT MATCHED THEN
  INSERT (checkpoint_id, next_week_start, next_week_end, updated_at)
  VALUES (1, ${b.date(next.start)}, ${b.date(next.end)}, ${b.instant(at)});`
      : sql`INSERT INTO ${checkpoint} (checkpoint_id, next_week_start, next_week_end, updated_at)
VALUES (1, ${b.date(next.start)}, ${b.date(next.end)}, ${b.instant(at)})
ON CONFLICT (checkpoint_id) DO UPDATE SET next_week_start = excluded.next_week_start,
  next_week_end = excluded.next_week_end, updated_at = excluded.updated_at
WHERE excluded.next_week_start > pipeline_checkpoint.next_week_start`

  const advanceCheckpoint = Effect.fn("Warehouse.advanceCheckpoint")(function* (completed: Week) {
    yield* Effect.annotateCurrentSpan("completed", completed.toString())
    return yield* Effect.gen(function* () {
      yield* upsertCheckpoint(completed.next, yield* now)
      const rows = yield* selectCheckpoint
      const current = rows[0] === undefined ? undefined : toCheckpoint(rows[0])
      return current !== undefined && Either.isRight(current) ? current.right.next : completed.next
    }).pipe(mapSqlErrors("advanceCheckpoint", { week: completed.toString() }), Effect.retry(warehouseRetry))
  })

  return { readCheckpoint: readCheckpoint(), advanceCheckpoint }
}

/** The run rows of `pipeline_run`. */
const makeRuns = (ctx: SqlContext) => {
  const { sql, binds: b, dialect } = ctx
  const runs = ctx.table("pipeline_run")

  const insertRun = (run: RunStart) =>
    dialect === "mssql"
      ? sql`INSERT INTO ${runs} (run_id, correlation_id, week_start, week_end, status, started_at)
SELECT ${b.text(run.runId)}, ${b.text(run.correlationId)}, ${b.date(run.week.start)}, ${b.date(run.week.end)},
  N'RUNNING', ${b.instant(run.startedAt)}
WHERE NOT EXISTS (SELECT 1 FROM ${runs} WITH (UPDLOCK, HOLDLOCK) WHERE run_id = ${b.text(run.runId)})`
      : sql`INSERT INTO ${runs} (run_id, correlation_id, week_start, week_end, status, started_at)
VALUES (${b.text(run.runId)}, ${b.text(run.correlationId)}, ${b.date(run.week.start)}, ${b.date(run.week.end)},
  'RUNNING', ${b.instant(run.startedAt)})
ON CONFLICT (run_id) DO NOTHING`

  const startRun = Effect.fn("Warehouse.startRun")(function* (run: RunStart) {
    yield* Effect.annotateCurrentSpan("run_id", run.runId)
    yield* insertRun(run).pipe(mapSqlErrors("startRun", { run_id: run.runId }), Effect.retry(warehouseRetry))
  })

  const finishRun = Effect.fn("Warehouse.finishRun")(function* (run: RunFinish) {
    yield* Effect.annotateCurrentSpan("run_id", run.runId)
    const updated = yield* sql<Row>`UPDATE ${runs} SET status = ${b.text(run.status)},
  rows_fetched = ${b.count(run.metrics.rows_fetched)}, rows_output = ${b.count(run.metrics.rows_output)},
  rows_rejected = ${b.count(run.metrics.rows_rejected)}, reject_rate_pct = ${b.float(run.metrics.reject_rate_pct)},
  reject_threshold_pct = ${b.float(run.metrics.reject_threshold_pct)}, finished_at = ${b.instant(run.finishedAt)},
  output_path = ${b.text(run.outputPath)}, rejects_path = ${b.text(run.rejectsPath)},
  error_type = ${b.text(run.errorType)}, error_message = ${b.text(clip(run.errorMessage))}${returning(ctx, "run_id")}
WHERE run_id = ${b.text(run.runId)}${returningTail(ctx, "run_id")}`.pipe(
      mapSqlErrors("finishRun", { run_id: run.runId }),
      Effect.retry(warehouseRetry),
    )
    if (updated.length === 0) {
      return yield* missing("finishRun", `pipeline_run row for run ${run.runId}`, { run_id: run.runId })
    }
  })

  return { startRun, finishRun }
}

/** The stage rows of `pipeline_stage`. */
const makeStages = (ctx: SqlContext) => {
  const { sql, binds: b, dialect } = ctx
  const stages = ctx.table("pipeline_stage")

  const upsertStage = (stage: StageStart) =>
    dialect === "mssql"
      ? sql`MERGE ${stages} WITH (HOLDLOCK) AS target
USING (SELECT ${b.text(stage.runId)} AS run_id, ${b.text(stage.stage)} AS stage) AS source
  ON target.run_id = source.run_id AND target.stage = source.stage
WHEN MATCHED THEN UPDATE SET status = N'RUNNING', started_at = ${b.instant(stage.startedAt)}, finished_at = NULL,
  rows_in = NULL, rows_out = NULL, error_type = NULL, error_message = NULL
WHEN NOT MATCHED THEN INSERT (run_id, stage, status, started_at)
  VALUES (source.run_id, source.stage, N'RUNNING', ${b.instant(stage.startedAt)});`
      : sql`INSERT INTO ${stages} (run_id, stage, status, started_at)
VALUES (${b.text(stage.runId)}, ${b.text(stage.stage)}, 'RUNNING', ${b.instant(stage.startedAt)})
ON CONFLICT (run_id, stage) DO UPDATE SET status = excluded.status, started_at = excluded.started_at,
  finished_at = NULL, rows_in = NULL, rows_out = NULL, error_type = NULL, error_message = NULL`

  const startStage = Effect.fn("Warehouse.startStage")(function* (stage: StageStart) {
    const names = { run_id: stage.runId, stage: stage.stage }
    yield* Effect.annotateCurrentSpan(names)
    yield* upsertStage(stage).pipe(mapSqlErrors("startStage", names), Effect.retry(warehouseRetry))
  })

  const finishStage = Effect.fn("Warehouse.finishStage")(function* (stage: StageFinish) {
    const names = { run_id: stage.runId, stage: stage.stage }
    yield* Effect.annotateCurrentSpan(names)
    const updated =
      yield* sql<Row>`UPDATE ${stages} SET status = ${b.text(stage.status)}, finished_at = ${b.instant(stage.finishedAt)},
  rows_in = ${b.count(stage.rowsIn)}, rows_out = ${b.count(stage.rowsOut)},
  error_type = ${b.text(stage.errorType)}, error_message = ${b.text(clip(stage.errorMessage))}${returning(ctx, "run_id")}
WHERE run_id = ${b.text(stage.runId)} AND stage = ${b.text(stage.stage)}${returningTail(ctx, "run_id")}`.pipe(
        mapSqlErrors("finishStage", names),
        Effect.retry(warehouseRetry),
      )
    if (updated.length === 0) {
      return yield* missing("finishStage", `pipeline_stage row for ${stage.stage} of run ${stage.runId}`, names)
    }
  })

  return { startStage, finishStage }
}

/** The checkpoint and the audit trail (`pipeline_run`, `pipeline_stage`); every write idempotent. */
export const makeAudit = (ctx: SqlContext) => ({ ...makeCheckpoint(ctx), ...makeRuns(ctx), ...makeStages(ctx) })
