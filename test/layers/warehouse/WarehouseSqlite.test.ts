import { SqlClient } from "@effect/sql"
import { Effect, Option, TestClock } from "effect"
import { Warehouse } from "../../../src/services/Warehouse.js"
import { assert, describe, it } from "../../support/vitest.js"
import { onMigratedSqlite, SQLITE_TARGETS, sqliteWarehouse, WEEK, week } from "../../support/warehouse.js"

const NEXT = week("2019-12-08", "2019-12-14")

describe.each(SQLITE_TARGETS)("SQL warehouse on SQLite (%s): schema, checkpoint, audit trail", (_, path) => {
  const provide = onMigratedSqlite(path)

  it.effect("migrates once: tables, index and view exist; a second migrate applies nothing", () =>
    Effect.gen(function* () {
      const warehouse = yield* Warehouse
      const sql = yield* SqlClient.SqlClient
      assert.deepStrictEqual(yield* warehouse.migrate, [])
      const names = (yield* sql<{ name: string }>`SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'
        ORDER BY name`).map((r) => r.name)
      for (const name of [
        "ecom_events",
        "effect_sql_migrations",
        "ix_ecom_events_week",
        "pipeline_checkpoint",
        "pipeline_run",
        "pipeline_stage",
        "vw_salesforce_customer_weekly_export",
      ]) {
        assert.include(names, name)
      }
    }).pipe(provide),
  )

  it.effect("has no checkpoint at first, then the week after the completed one, never moving back", () =>
    Effect.gen(function* () {
      const warehouse = yield* Warehouse
      assert.isTrue(Option.isNone(yield* warehouse.readCheckpoint))
      yield* TestClock.setTime(Date.parse("2019-12-08T07:00:00Z"))
      assert.deepStrictEqual(yield* warehouse.advanceCheckpoint(WEEK), NEXT)
      const checkpoint = yield* warehouse.readCheckpoint
      assert.isTrue(Option.isSome(checkpoint))
      if (Option.isSome(checkpoint)) {
        assert.deepStrictEqual(checkpoint.value.next, NEXT)
        assert.strictEqual(checkpoint.value.updatedAt.toISOString(), "2019-12-08T07:00:00.000Z")
      }
      assert.deepStrictEqual(yield* warehouse.advanceCheckpoint(NEXT), week("2019-12-15", "2019-12-21"))
      // A late (replayed) advance for an older week leaves the checkpoint where it is.
      assert.deepStrictEqual(yield* warehouse.advanceCheckpoint(WEEK), week("2019-12-15", "2019-12-21"))
    }).pipe(provide),
  )

  it.effect("records a run and its stages; a replayed start changes nothing", () =>
    Effect.gen(function* () {
      const warehouse = yield* Warehouse
      const sql = yield* SqlClient.SqlClient
      const start = { runId: "run-1", correlationId: "corr-1", week: WEEK, startedAt: new Date("2019-12-08T06:00:00Z") }
      yield* warehouse.startRun(start)
      yield* warehouse.startRun({ ...start, correlationId: "corr-replayed" })
      yield* warehouse.startStage({ runId: "run-1", stage: "extract", startedAt: new Date("2019-12-08T06:00:01Z") })
      yield* warehouse.finishStage({
        runId: "run-1",
        stage: "extract",
        status: "SUCCESS",
        finishedAt: new Date("2019-12-08T06:05:00Z"),
        rowsIn: null,
        rowsOut: 1000,
        errorType: null,
        errorMessage: null,
      })
      yield* warehouse.finishRun({
        runId: "run-1",
        status: "SUCCESS_WITH_REJECTS",
        metrics: {
          rows_fetched: 1000,
          rows_output: 990,
          rows_rejected: 10,
          reject_rate_pct: 1,
          reject_threshold_pct: 5,
        },
        finishedAt: new Date("2019-12-08T06:10:00Z"),
        outputPath: "data/raw_events/week_start=2019-12-01/week_end=2019-12-07/events.parquet",
        rejectsPath: null,
        errorType: null,
        errorMessage: null,
      })
      const [run] = yield* sql`SELECT * FROM pipeline_run`
      assert.deepInclude(run, {
        run_id: "run-1",
        correlation_id: "corr-1",
        week_start: "2019-12-01",
        week_end: "2019-12-07",
        status: "SUCCESS_WITH_REJECTS",
        rows_fetched: 1000,
        rows_output: 990,
        rows_rejected: 10,
        reject_rate_pct: 1,
        started_at: "2019-12-08T06:00:00.000Z",
        finished_at: "2019-12-08T06:10:00.000Z",
        rejects_path: null,
      })
      const [stage] = yield* sql`SELECT * FROM pipeline_stage`
      assert.deepInclude(stage, { run_id: "run-1", stage: "extract", status: "SUCCESS", rows_out: 1000, rows_in: null })
    }).pipe(provide),
  )

  it.effect("refuses to finish a run or a stage that was never started", () =>
    Effect.gen(function* () {
      const warehouse = yield* Warehouse
      const error = yield* Effect.flip(
        warehouse.finishRun({
          runId: "ghost",
          status: "FAILED",
          metrics: { rows_fetched: 0, rows_output: 0, rows_rejected: 0, reject_rate_pct: 0, reject_threshold_pct: 5 },
          finishedAt: new Date(),
          outputPath: null,
          rejectsPath: null,
          errorType: "ApiConnectionError",
          errorMessage: "x".repeat(5000),
        }),
      )
      assert.strictEqual(error._tag, "WarehouseError")
      assert.strictEqual(error.details.operation, "finishRun")
      assert.strictEqual(error.details.run_id, "ghost")
    }).pipe(provide),
  )

  it.effect("names the operation when the schema is missing, and reads the checkpoint as a CheckpointError", () =>
    Effect.gen(function* () {
      const warehouse = yield* Warehouse
      const error = yield* Effect.flip(
        warehouse.startRun({ runId: "r", correlationId: "c", week: WEEK, startedAt: new Date() }),
      )
      assert.strictEqual(error.details.operation, "startRun")
      assert.include(error.message, "no such table: pipeline_run")
      assert.include(error.message, "reverse-etl db migrate")
      const checkpoint = yield* Effect.flip(warehouse.readCheckpoint)
      assert.strictEqual(checkpoint._tag, "CheckpointError")
    }).pipe(Effect.provide(sqliteWarehouse(path()))),
  )
  it.effect("reports a migration that fails as a WarehouseError and applies none of it", () =>
    Effect.gen(function* () {
      const warehouse = yield* Warehouse
      const sql = yield* SqlClient.SqlClient
      yield* sql`CREATE TABLE pipeline_run (made_by_hand TEXT)`
      const error = yield* Effect.flip(warehouse.migrate)
      assert.strictEqual(error._tag, "WarehouseError")
      assert.strictEqual(error.details.operation, "migrate")
      assert.include(error.message, 'Migration "1_core" failed')
      assert.include(error.message, "table pipeline_run already exists")
      assert.deepStrictEqual(yield* sql`SELECT * FROM effect_sql_migrations`, [])
      assert.deepStrictEqual(yield* sql`SELECT name FROM sqlite_master WHERE name = 'pipeline_checkpoint'`, [])
    }).pipe(Effect.provide(sqliteWarehouse(path()))),
  )
})
