import { SqlClient } from "@effect/sql"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Option, Stream, TestClock } from "effect"
import { formatMicros } from "../../src/domain/EventTime.js"
import { Warehouse } from "../../src/services/Warehouse.js"
import { eventRow, micros, sqliteWarehouse, tempDir, WEEK, week } from "../support/warehouse.js"

const NEXT = week("2019-12-08", "2019-12-14")

const countRows = (start: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(
      sql<{ n: number }>`SELECT COUNT(*) AS n FROM ecom_events WHERE batch_week_start = ${start}`,
      (rows) => rows[0]?.n ?? -1,
    ),
  )

const exported = (w = WEEK) =>
  Effect.flatMap(Warehouse, (warehouse) => Stream.runCollect(warehouse.exportRows(w))).pipe(
    Effect.map(Chunk.toReadonlyArray),
  )

describe.each([
  ["a file", () => `${tempDir()}/nested/dir/warehouse.sqlite`],
  ["memory", () => ":memory:"],
])("SQL warehouse on SQLite (%s)", (_, path) => {
  const provide = <A, E>(self: Effect.Effect<A, E, Warehouse | SqlClient.SqlClient>) =>
    Effect.gen(function* () {
      const warehouse = yield* Warehouse
      yield* warehouse.migrate
      return yield* self
    }).pipe(Effect.provide(sqliteWarehouse(path(), { exportPageSize: 3, insertBatchRows: 7 })))

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

  it.effect("loads a week exactly: ids, prices, nulls and microseconds survive; a re-run never doubles it", () =>
    Effect.gen(function* () {
      const warehouse = yield* Warehouse
      const sql = yield* SqlClient.SqlClient
      const rows = Array.from({ length: 20 }, (_, i) =>
        eventRow({
          user_id: `52000000000000000${String(i % 3).padStart(2, "0")}`,
          event_time: micros("2019-12-02T00:00:00.000001Z") + i,
        }),
      )
      rows.push(eventRow({ product_id: null, category_code: null, brand: null, price: null, user_session: null }))
      assert.strictEqual(yield* warehouse.loadWeek(WEEK, Stream.fromIterable(rows)), 21)
      assert.strictEqual(yield* warehouse.loadWeek(WEEK, Stream.fromIterable(rows)), 21)
      assert.strictEqual(yield* countRows(WEEK.start), 21)
      const [first] = yield* sql`SELECT * FROM ecom_events WHERE product_id IS NOT NULL ORDER BY event_time LIMIT 1`
      assert.deepStrictEqual(first, { ...rows[0] })
      const [nulls] = yield* sql`SELECT * FROM ecom_events WHERE product_id IS NULL`
      assert.deepStrictEqual(nulls, { ...rows[20] })
    }).pipe(provide),
  )

  it.effect("replaces only its own week", () =>
    Effect.gen(function* () {
      const warehouse = yield* Warehouse
      yield* warehouse.loadWeek(WEEK, Stream.make(eventRow(), eventRow()))
      yield* warehouse.loadWeek(NEXT, Stream.make(eventRow({}, NEXT)))
      yield* warehouse.loadWeek(WEEK, Stream.make(eventRow()))
      assert.strictEqual(yield* countRows(WEEK.start), 1)
      assert.strictEqual(yield* countRows(NEXT.start), 1)
    }).pipe(provide),
  )

  it.effect("keeps the week as it was when the stream fails halfway, or a row belongs to another week", () =>
    Effect.gen(function* () {
      const warehouse = yield* Warehouse
      yield* warehouse.loadWeek(WEEK, Stream.make(eventRow(), eventRow(), eventRow()))
      const broken = Stream.fromIterable(Array.from({ length: 30 }, () => eventRow())).pipe(
        Stream.concat(Stream.fail("parquet row group 3 is corrupt" as const)),
      )
      assert.strictEqual(yield* Effect.flip(warehouse.loadWeek(WEEK, broken)), "parquet row group 3 is corrupt")
      assert.strictEqual(yield* countRows(WEEK.start), 3)
      const error = yield* Effect.flip(warehouse.loadWeek(WEEK, Stream.make(eventRow(), eventRow({}, NEXT))))
      assert.strictEqual(error._tag, "WarehouseError")
      assert.include(error.message, "row 1 belongs to week 2019-12-08..2019-12-14")
      assert.strictEqual(yield* countRows(WEEK.start), 3)
    }).pipe(provide),
  )

  it.effect("exports one row per customer per week, identical in shape to the sync's input", () =>
    Effect.gen(function* () {
      const warehouse = yield* Warehouse
      const alice = "5200000000000000001"
      const bob = "5200000000000000002"
      const t = (iso: string) => micros(iso)
      yield* warehouse.loadWeek(
        WEEK,
        Stream.make(
          eventRow({
            user_id: alice,
            event_type: "view",
            event_time: t("2019-12-01T00:00:03Z"),
            user_session: "s1",
            product_id: "p1",
          }),
          eventRow({
            user_id: alice,
            event_type: "cart",
            event_time: t("2019-12-02T10:00:00Z"),
            user_session: "s1",
            product_id: "p1",
          }),
          eventRow({
            user_id: alice,
            event_type: "remove_from_cart",
            event_time: t("2019-12-03T10:00:00Z"),
            user_session: "s2",
            product_id: "p2",
          }),
          eventRow({
            user_id: alice,
            event_type: "purchase",
            event_time: t("2019-12-04T10:00:00Z"),
            price: 1100.28,
            user_session: "s2",
            product_id: "p1",
          }),
          eventRow({
            user_id: alice,
            event_type: "purchase",
            event_time: t("2019-12-07T23:59:59.999999Z"),
            price: 0.1,
            user_session: null,
            product_id: null,
          }),
          eventRow({
            user_id: alice,
            event_type: "purchase",
            event_time: t("2019-12-05T10:00:00Z"),
            price: 0.2,
            user_session: "s3",
            product_id: "p3",
          }),
          eventRow({ user_id: bob, event_type: "view", event_time: t("2019-12-06T08:30:00.25Z"), price: null }),
        ),
      )
      yield* warehouse.loadWeek(NEXT, Stream.make(eventRow({ user_id: alice }, NEXT)))
      const rows = yield* exported()
      assert.deepStrictEqual(rows, [
        {
          external_signal_id: `${alice}:2019-12-01`,
          user_id: alice,
          week_start: "2019-12-01",
          week_end: "2019-12-07",
          event_count: 6,
          view_count: 1,
          cart_count: 1,
          remove_from_cart_count: 1,
          purchase_count: 3,
          purchase_revenue: 1100.58,
          session_count: 3,
          product_count: 3,
          first_event_at: "2019-12-01T00:00:03.000000Z",
          last_event_at: "2019-12-07T23:59:59.999999Z",
        },
        {
          external_signal_id: `${bob}:2019-12-01`,
          user_id: bob,
          week_start: "2019-12-01",
          week_end: "2019-12-07",
          event_count: 1,
          view_count: 1,
          cart_count: 0,
          remove_from_cart_count: 0,
          purchase_count: 0,
          purchase_revenue: 0,
          session_count: 1,
          product_count: 1,
          first_event_at: formatMicros(t("2019-12-06T08:30:00.25Z")),
          last_event_at: "2019-12-06T08:30:00.250000Z",
        },
      ])
    }).pipe(provide),
  )

  it.effect("streams every customer across many pages and leaves no snapshot behind", () =>
    Effect.gen(function* () {
      const warehouse = yield* Warehouse
      const sql = yield* SqlClient.SqlClient
      const users = Array.from({ length: 10 }, (_, i) => `52000000000000000${String(i).padStart(2, "0")}`)
      yield* warehouse.loadWeek(
        WEEK,
        Stream.fromIterable(users.flatMap((user_id) => [eventRow({ user_id }), eventRow({ user_id })])),
      )
      const rows = yield* exported()
      assert.deepStrictEqual(
        rows.map((r) => r.user_id),
        users,
      )
      assert.isTrue(rows.every((r) => r.event_count === 2))
      assert.deepStrictEqual(yield* sql`SELECT name FROM sqlite_temp_master`, [])
      assert.deepStrictEqual(yield* exported(NEXT), [])
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
})
