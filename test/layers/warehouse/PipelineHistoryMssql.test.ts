import { Chunk, Effect, Either, Layer, Option, Stream } from "effect"
import * as PipelineHistorySql from "../../../src/layers/warehouse/PipelineHistorySql.js"
import { PipelineHistory } from "../../../src/services/PipelineHistory.js"
import { isMssqlParam, type Recorded, type Responder, recordingMssqlClient } from "../../support/RecordingSqlClient.js"
import { assertTsqlShape, assertTyped, typeNames } from "../../support/tsql.js"
import { assert, describe, it } from "../../support/vitest.js"

const TABLES = [...PipelineHistorySql.REQUIRED_TABLES, "ecom_events", "effect_sql_migrations"]

/** Answers the table check with every table; `rest` answers the other statements. */
const withTables =
  (rest: Responder = () => []): Responder =>
  (sql, params) =>
    sql.includes("INFORMATION_SCHEMA.TABLES") ? TABLES.map((name) => ({ name: name.toUpperCase() })) : rest(sql, params)

/** The history over the recording SQL Server client: its result and every statement it sent. */
const run = <A, E>(self: Effect.Effect<A, E, PipelineHistory>, respond: Responder = withTables()) =>
  Effect.suspend(() => {
    const log: Array<Recorded> = []
    return self.pipe(
      Effect.provide(
        PipelineHistorySql.layer({ where: "SQL Server at AZURE_SQL_SERVER=db", failedRowsPageSize: 2 }).pipe(
          Layer.provide(recordingMssqlClient(log, respond)),
        ),
      ),
      Effect.either,
      Effect.map((result) => ({ result, log })),
    )
  })

const values = (params: ReadonlyArray<unknown>) =>
  params.map((p) => {
    const value = isMssqlParam(p) ? p.i1 : p
    return value instanceof Date ? value.toISOString() : value
  })

/** Every statement is T-SQL with typed binds; answers the statements other than the table check. */
const checked = (log: ReadonlyArray<Recorded>) => {
  for (const statement of log) {
    assertTsqlShape(statement)
    assertTyped(statement)
  }
  return log.filter((s) => !s.sql.includes("INFORMATION_SCHEMA.TABLES"))
}

const runRow = {
  run_id: "run-2",
  correlation_id: "corr-2",
  week_start: new Date("2019-12-08T00:00:00Z"),
  week_end: new Date("2019-12-14T00:00:00Z"),
  status: "FAILED",
  rows_fetched: "3000000000",
  rows_output: "2999999000",
  rows_rejected: "1000",
  reject_rate_pct: 0.0000333,
  reject_threshold_pct: 0.5,
  started_at: new Date("2019-12-15T06:00:00.123Z"),
  finished_at: new Date("2019-12-15T06:10:00.456Z"),
  output_path: null,
  rejects_path: null,
  error_type: "DataQualityError",
  error_message: "reject rate above the threshold",
  failed_stage: "quality-gate",
  rows_synced: null,
}

describe("PipelineHistory on SQL Server (rendered, no server)", () => {
  it.effect("checks the tables in dbo with a typed bind, and fails naming the ones missing", () =>
    Effect.gen(function* () {
      const complete = yield* run(Effect.flatMap(PipelineHistory, (h) => h.openBulkJobs))
      assert.isTrue(Either.isRight(complete.result))
      const [check] = complete.log
      assert.strictEqual(check?.sql, "SELECT TABLE_NAME AS name FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = @1")
      assert.deepStrictEqual(typeNames(check?.params ?? []), ["NVarChar"])
      assert.deepStrictEqual(values(check?.params ?? []), ["dbo"])

      const behind = yield* run(
        Effect.flatMap(PipelineHistory, (h) => h.openBulkJobs),
        (sql) => (sql.includes("INFORMATION_SCHEMA") ? [{ name: "pipeline_run" }, { name: "pipeline_stage" }] : []),
      )
      assert.isTrue(Either.isLeft(behind.result))
      if (Either.isLeft(behind.result)) {
        assert.strictEqual(
          behind.result.left.message,
          "the warehouse (SQL Server at AZURE_SQL_SERVER=db) lacks pipeline_checkpoint, salesforce_sync_job, salesforce_sync_result, salesforce_sync_state: its schema is older than this version; run `reverse-etl db migrate`",
        )
      }
      assert.lengthOf(behind.log, 1, "nothing is read, nothing created")
    }),
  )

  it.effect("lists runs with TOP and the week holding a day, newest first, reading what tedious answers", () =>
    Effect.gen(function* () {
      const { result, log } = yield* run(
        Effect.flatMap(PipelineHistory, (h) =>
          Effect.all([
            h.runs({ week: Option.some("2019-12-10"), limit: 5 }),
            h.runs({ week: Option.none(), limit: 20 }),
          ]),
        ),
        withTables(() => [runRow]),
      )
      const [filtered, all] = checked(log)
      assert.match(filtered?.sql ?? "", /^SELECT TOP \(@1\) r\.run_id, r\.correlation_id/)
      assert.include(
        filtered?.sql ?? "",
        "(SELECT TOP (1) s.stage FROM [dbo].[pipeline_stage] s\n    WHERE s.run_id = r.run_id AND s.status = N'FAILED' ORDER BY s.finished_at DESC) AS failed_stage",
      )
      assert.include(filtered?.sql ?? "", "s.stage = N'salesforce-sync' AND s.status = N'SUCCESS') AS rows_synced")
      assert.include(filtered?.sql ?? "", "FROM [dbo].[pipeline_run] r\nWHERE r.week_start <= @2 AND r.week_end >= @3")
      assert.isTrue(filtered?.sql.endsWith("ORDER BY r.started_at DESC, r.run_id DESC"))
      assert.deepStrictEqual(typeNames(filtered?.params ?? []), ["Int", "Date", "Date"])
      assert.deepStrictEqual(values(filtered?.params ?? []), [
        5,
        "2019-12-10T00:00:00.000Z",
        "2019-12-10T00:00:00.000Z",
      ])
      assert.notInclude(all?.sql ?? "", "WHERE r.week_start")
      assert.deepStrictEqual(values(all?.params ?? []), [20])

      assert.isTrue(Either.isRight(result))
      if (Either.isRight(result)) {
        assert.deepStrictEqual(result.right[0][0], {
          runId: "run-2",
          correlationId: "corr-2",
          weekStart: "2019-12-08",
          weekEnd: "2019-12-14",
          status: "FAILED",
          startedAt: new Date("2019-12-15T06:00:00.123Z"),
          finishedAt: new Date("2019-12-15T06:10:00.456Z"),
          rowsFetched: 3_000_000_000,
          rowsValid: 2_999_999_000,
          rowsRejected: 1000,
          rejectRatePct: 0.0000333,
          rejectThresholdPct: 0.5,
          rowsSynced: null,
          failedStage: "quality-gate",
          errorType: "DataQualityError",
          errorMessage: "reject rate above the threshold",
          outputPath: null,
          rejectsPath: null,
        })
      }
    }),
  )

  it.effect("reads one run and its stages by a typed id, stages in the order a run takes them", () =>
    Effect.gen(function* () {
      const stage = (name: string, status: string) => ({
        stage: name,
        status,
        started_at: new Date("2019-12-15T06:00:00Z"),
        finished_at: null,
        rows_in: null,
        rows_out: "10",
        error_type: null,
        error_message: null,
      })
      const { result, log } = yield* run(
        Effect.flatMap(PipelineHistory, (h) => h.run("run-2")),
        withTables((sql) =>
          sql.includes("FROM [dbo].[pipeline_stage] WHERE")
            ? [stage("quality-gate", "FAILED"), stage("extract", "SUCCESS"), stage("load", "SUCCESS")]
            : [runRow],
        ),
      )
      const [one, stages] = checked(log)
      assert.include(one?.sql ?? "", "FROM [dbo].[pipeline_run] r WHERE r.run_id = @1")
      assert.include(stages?.sql ?? "", "FROM [dbo].[pipeline_stage] WHERE run_id = @1 ORDER BY started_at, stage")
      for (const s of [one, stages]) {
        assert.deepStrictEqual(typeNames(s?.params ?? []), ["NVarChar"])
        assert.deepStrictEqual(values(s?.params ?? []), ["run-2"])
      }
      assert.isTrue(Either.isRight(result) && Option.isSome(result.right))
      if (Either.isRight(result) && Option.isSome(result.right)) {
        assert.deepStrictEqual(
          result.right.value.stages.map((s) => [s.stage, s.rowsOut]),
          [
            ["extract", 10],
            ["load", 10],
            ["quality-gate", 10],
          ],
        )
      }
    }),
  )

  it.effect("pages the rows not in sync by external id: TOP, the week holding a day, keyset on the last id", () =>
    Effect.gen(function* () {
      const row = (id: string) => ({
        external_id: id,
        week_start: new Date("2019-12-01T00:00:00Z"),
        week_end: new Date("2019-12-07T00:00:00Z"),
        outcome: "failed",
        error_code: "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        error_message: "bad value",
        salesforce_id: null,
        run_id: "run-1",
        job_id: "750000000000001AAA",
        recorded_at: new Date("2019-12-08T06:00:00Z"),
      })
      const { result, log } = yield* run(
        Effect.flatMap(PipelineHistory, (h) => Stream.runCollect(h.failedRows(Option.some("2019-12-03")))),
        withTables((sql, params) =>
          sql.includes("r.external_id > @")
            ? values(params).includes("u2:2019-12-01")
              ? [row("u3:2019-12-01")]
              : []
            : [row("u1:2019-12-01"), row("u2:2019-12-01")],
        ),
      )
      const pages = checked(log)
      assert.lengthOf(pages, 2, "a short page ends the stream")
      const [first, second] = pages
      assert.match(first?.sql ?? "", /^SELECT TOP \(@1\) f\.external_id, f\.week_start/)
      assert.include(first?.sql ?? "", "FROM [dbo].[salesforce_sync_result] r LEFT JOIN [dbo].[salesforce_sync_job] j")
      assert.include(first?.sql ?? "", "WHERE r.outcome IN (N'failed', N'unprocessed')\n)")
      assert.include(first?.sql ?? "", "LEFT JOIN [dbo].[salesforce_sync_state] s ON s.external_id = f.external_id")
      assert.include(
        first?.sql ?? "",
        "WHERE f.attempt = 1 AND (s.synced_at IS NULL OR s.synced_at < f.recorded_at) AND f.week_start <= @2 AND f.week_end >= @3",
      )
      assert.isTrue(first?.sql.endsWith("ORDER BY f.external_id"))
      assert.deepStrictEqual(typeNames(first?.params ?? []), ["Int", "Date", "Date"])
      assert.deepStrictEqual(values(first?.params ?? []), [2, "2019-12-03T00:00:00.000Z", "2019-12-03T00:00:00.000Z"])
      assert.include(second?.sql ?? "", "WHERE r.outcome IN (N'failed', N'unprocessed') AND r.external_id > @2\n)")
      assert.deepStrictEqual(typeNames(second?.params ?? []), ["Int", "NVarChar", "Date", "Date"])
      assert.deepStrictEqual(values(second?.params ?? []), [
        2,
        "u2:2019-12-01",
        "2019-12-03T00:00:00.000Z",
        "2019-12-03T00:00:00.000Z",
      ])
      assert.isTrue(Either.isRight(result))
      if (Either.isRight(result)) {
        assert.deepStrictEqual(
          Chunk.toReadonlyArray(result.right).map((r) => [r.externalId, r.weekStart, r.recordedAt.toISOString()]),
          [
            ["u1:2019-12-01", "2019-12-01", "2019-12-08T06:00:00.000Z"],
            ["u2:2019-12-01", "2019-12-01", "2019-12-08T06:00:00.000Z"],
            ["u3:2019-12-01", "2019-12-01", "2019-12-08T06:00:00.000Z"],
          ],
        )
      }
    }),
  )

  it.effect("counts rows not in sync by week and code, finds the last synced week and the open Bulk jobs", () =>
    Effect.gen(function* () {
      const { result, log } = yield* run(
        Effect.flatMap(PipelineHistory, (h) => Effect.all([h.failureCounts, h.lastSyncedWeek, h.openBulkJobs])),
        withTables((sql) =>
          sql.includes("COUNT(*)")
            ? [{ week_start: null, week_end: null, outcome: "unprocessed", error_code: null, row_count: 4 }]
            : sql.includes("collected_at IS NOT NULL")
              ? [{ week_start: new Date("2019-12-01T00:00:00Z"), week_end: new Date("2019-12-07T00:00:00Z") }]
              : [],
        ),
      )
      const [counts, last, open] = checked(log)
      assert.match(
        counts?.sql ?? "",
        /^SELECT f\.week_start, f\.week_end, f\.outcome, f\.error_code, COUNT\(\*\) AS row_count FROM \(/,
      )
      assert.isTrue(
        counts?.sql.endsWith(
          "GROUP BY f.week_start, f.week_end, f.outcome, f.error_code\nORDER BY f.week_start DESC, row_count DESC, f.error_code",
        ),
      )
      assert.deepStrictEqual(counts?.params, [])
      assert.strictEqual(
        last?.sql,
        "SELECT TOP (@1) week_start, week_end FROM [dbo].[salesforce_sync_job] WHERE collected_at IS NOT NULL\nORDER BY collected_at DESC, created_at DESC",
      )
      assert.deepStrictEqual(values(last?.params ?? []), [1])
      assert.include(
        open?.sql ?? "",
        "FROM [dbo].[salesforce_sync_job] WHERE collected_at IS NULL ORDER BY created_at, job_id",
      )
      assert.isTrue(Either.isRight(result))
      if (Either.isRight(result)) {
        const [failures, week, jobs] = result.right
        assert.deepStrictEqual(failures, [
          { weekStart: null, weekEnd: null, outcome: "unprocessed", errorCode: null, rows: 4 },
        ])
        assert.deepStrictEqual(week, Option.some({ start: "2019-12-01", end: "2019-12-07" }))
        assert.deepStrictEqual(jobs, [])
      }
    }),
  )
})
