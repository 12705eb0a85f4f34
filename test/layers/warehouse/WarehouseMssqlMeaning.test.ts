import { Effect, Either, Option, Stream, TestClock, TestContext } from "effect"
import fc from "fast-check"
import type { Week } from "../../../src/domain/Week.js"
import { Warehouse } from "../../../src/services/Warehouse.js"
import { assertTsqlShape, assertTyped, inlined, runOnMssql } from "../../support/tsql.js"
import { assert, describe, it } from "../../support/vitest.js"
import { eventRow, onMigratedSqlite, WEEK, week } from "../../support/warehouse.js"

/** The 7-day week that starts `days` after 2019-12-01. */
const weekAt = (days: number): Week => {
  const day = (d: number) => new Date(Date.UTC(2019, 11, 1 + d)).toISOString().slice(0, 10)
  return week(day(days), day(days + 6))
}

/** The checkpoint MERGE's guard, `target.next_week_start <op> Date'…'`, as a function of the stored start. */
const mergeGuard = (statement: string): ((storedStart: string) => boolean) => {
  const guard = /WHEN MATCHED AND target\.next_week_start (<=|<|>=|>|=) Date'(\d{4}-\d{2}-\d{2})' THEN/.exec(statement)
  if (guard === null) assert.fail(`no guard on the stored start in: ${statement}`)
  const op = guard?.[1]
  const bound = guard?.[2] ?? ""
  return (stored) =>
    op === "<"
      ? stored < bound
      : op === "<="
        ? stored <= bound
        : op === ">"
          ? stored > bound
          : op === ">="
            ? stored >= bound
            : stored === bound
}

const EXPORT_COLUMNS =
  "external_signal_id, user_id, week_start, week_end, event_count, view_count, cart_count, remove_from_cart_count, purchase_count, session_count, product_count, purchase_revenue, first_event_at, last_event_at"

const advanceOnMssql = (completed: Week) =>
  Effect.gen(function* () {
    yield* TestClock.setTime(Date.parse("2019-12-08T07:00:00.123Z"))
    return yield* runOnMssql(Effect.flatMap(Warehouse, (w) => w.advanceCheckpoint(completed)))
  })

describe("SQL Server statements held to their meaning (bound values, not only text)", () => {
  it.effect(
    "the checkpoint MERGE moves to the week after the completed one, only forward, with those dates bound",
    () =>
      Effect.gen(function* () {
        const { log } = yield* advanceOnMssql(WEEK)
        for (const statement of log) {
          assertTsqlShape(statement)
          assertTyped(statement)
        }
        const merge = inlined(log[0] ?? assert.fail("no statement"))
        assert.include(merge, "WHEN MATCHED AND target.next_week_start < Date'2019-12-08' THEN")
        assert.include(
          merge,
          "UPDATE SET next_week_start = Date'2019-12-08', next_week_end = Date'2019-12-14', updated_at = DateTime2'2019-12-08 07:00:00.123000'",
        )
        assert.include(merge, "VALUES (1, Date'2019-12-08', Date'2019-12-14', DateTime2'2019-12-08 07:00:00.123000');")
        assert.strictEqual(
          inlined(log[1] ?? assert.fail("no read back")).replace(/\s+/g, " "),
          "SELECT next_week_start, next_week_end, updated_at FROM [dbo].[pipeline_checkpoint] WHERE checkpoint_id = 1",
        )
      }),
  )

  it("the MERGE's guard and SQLite's upsert agree with 'never backwards' for any stored and completed week", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 60 }), async (stored, completed) => {
        const storedWeek = weekAt(stored)
        const completedWeek = weekAt(completed)
        // Oracle: the checkpoint moves when the week after the completed one starts later than the stored one.
        const moves = completed + 7 > stored
        const expected = moves ? completedWeek.next : storedWeek

        const onSqlite = await Effect.runPromise(
          Effect.gen(function* () {
            const warehouse = yield* Warehouse
            yield* warehouse.advanceCheckpoint(weekAt(stored - 7))
            yield* warehouse.advanceCheckpoint(completedWeek)
            return Option.map(yield* warehouse.readCheckpoint, (c) => c.next)
          }).pipe(onMigratedSqlite(() => ":memory:")),
        )
        assert.deepStrictEqual(onSqlite, Option.some(expected), "SQLite")

        const { log } = await Effect.runPromise(
          advanceOnMssql(completedWeek).pipe(Effect.provide(TestContext.TestContext)),
        )
        assert.strictEqual(mergeGuard(inlined(log[0] ?? assert.fail("no MERGE")))(storedWeek.start), moves, "T-SQL")
      }),
      { numRuns: 40 },
    )
  })

  it.effect("a week's load deletes that week's rows alone, then inserts each row with its own values", () =>
    Effect.gen(function* () {
      const row = eventRow({
        event_time: Date.parse("2019-12-02T10:00:00.123Z") * 1000 + 456,
        price: 1100.28,
        brand: "Lé",
      })
      const { result, log } = yield* runOnMssql(Effect.flatMap(Warehouse, (w) => w.loadWeek(WEEK, Stream.make(row))))
      assert.deepStrictEqual(result, Either.right(1))
      for (const statement of log) {
        assertTsqlShape(statement)
        assertTyped(statement)
      }
      const [, del, insert] = log.map(inlined)
      assert.strictEqual(del, "DELETE FROM [dbo].[ecom_events] WHERE batch_week_start = Date'2019-12-01'")
      assert.include(insert, `VALUES (DateTime2'2019-12-02 10:00:00.123456',NVarChar'${row.event_type}',`)
      assert.include(insert, ",Float(1100.28),")
      assert.include(insert, "NVarChar'Lé'")
      assert.include(insert, ",Date'2019-12-01',Date'2019-12-07',")
    }),
  )

  it.effect("every statement of the migrations, a run's audit trail and the export, with each bound value", () =>
    Effect.gen(function* () {
      const viewRow = (user_id: string) => ({
        external_signal_id: `${user_id}:2019-12-01`,
        user_id,
        week_start: new Date("2019-12-01T00:00:00Z"),
        week_end: new Date("2019-12-07T00:00:00Z"),
        event_count: 3,
        view_count: 1,
        cart_count: 1,
        remove_from_cart_count: 0,
        purchase_count: 1,
        purchase_revenue: 1100.28,
        session_count: 1,
        product_count: 2,
        first_event_at: "2019-12-01T00:00:03.000000Z",
        last_event_at: "2019-12-02T00:00:00.000001Z",
      })
      const pages = [[viewRow("u1"), viewRow("u2")], [viewRow("u3")]]
      const { result, log } = yield* runOnMssql(
        Effect.gen(function* () {
          const w = yield* Warehouse
          yield* w.migrate
          yield* w.startRun({
            runId: "run-1",
            correlationId: "corr-1",
            week: WEEK,
            startedAt: new Date("2019-12-08T06:00:00.001Z"),
          })
          yield* w.startStage({ runId: "run-1", stage: "load", startedAt: new Date("2019-12-08T06:00:01Z") })
          yield* w.finishStage({
            runId: "run-1",
            stage: "load",
            status: "FAILED",
            finishedAt: new Date("2019-12-08T06:00:02Z"),
            rowsIn: 5,
            rowsOut: 4,
            errorType: "WarehouseError",
            errorMessage: "it's down",
          })
          yield* w.finishRun({
            runId: "run-1",
            status: "SUCCESS_WITH_REJECTS",
            metrics: {
              rows_fetched: 100,
              rows_output: 93,
              rows_rejected: 7,
              reject_rate_pct: 7,
              reject_threshold_pct: 7.5,
            },
            finishedAt: new Date("2019-12-08T06:10:00.123Z"),
            outputPath: "out/events.parquet",
            rejectsPath: "out/rejects.parquet",
            errorType: null,
            errorMessage: null,
          })
          yield* Stream.runDrain(w.exportRows(WEEK))
        }),
        (sql) =>
          sql.includes("OUTPUT INSERTED.run_id")
            ? [{ run_id: "run-1" }]
            : sql.startsWith("SELECT TOP")
              ? (pages.shift() ?? [])
              : [],
      )
      assert.isTrue(Either.isRight(result))
      for (const statement of log) {
        assertTsqlShape(statement)
        assertTyped(statement)
      }
      // The migrations bind nothing of ours: DDL only, and the migrator's own bookkeeping (exempt).
      const bookkeeping = log.filter((s) => s.sql.includes("effect_sql_migrations") && s.params.length > 0)
      assert.lengthOf(bookkeeping, 1)
      const ours = log.filter((s) => s.params.length > 0 && !s.sql.includes("effect_sql_migrations"))
      assert.deepStrictEqual(
        ours.map((s) => inlined(s).replace(/\s+/g, " ")),
        [
          "INSERT INTO [dbo].[pipeline_run] (run_id, correlation_id, week_start, week_end, status, started_at) SELECT NVarChar'run-1', NVarChar'corr-1', Date'2019-12-01', Date'2019-12-07', N'RUNNING', DateTime2'2019-12-08 06:00:00.001000' WHERE NOT EXISTS (SELECT 1 FROM [dbo].[pipeline_run] WITH (UPDLOCK, HOLDLOCK) WHERE run_id = NVarChar'run-1')",
          "MERGE [dbo].[pipeline_stage] WITH (HOLDLOCK) AS target USING (SELECT NVarChar'run-1' AS run_id, NVarChar'load' AS stage) AS source ON target.run_id = source.run_id AND target.stage = source.stage WHEN MATCHED THEN UPDATE SET status = N'RUNNING', started_at = DateTime2'2019-12-08 06:00:01.000000', finished_at = NULL, rows_in = NULL, rows_out = NULL, error_type = NULL, error_message = NULL WHEN NOT MATCHED THEN INSERT (run_id, stage, status, started_at) VALUES (source.run_id, source.stage, N'RUNNING', DateTime2'2019-12-08 06:00:01.000000');",
          "UPDATE [dbo].[pipeline_stage] SET status = NVarChar'FAILED', finished_at = DateTime2'2019-12-08 06:00:02.000000', rows_in = BigInt(5), rows_out = BigInt(4), error_type = NVarChar'WarehouseError', error_message = NVarChar'it''s down' OUTPUT INSERTED.run_id WHERE run_id = NVarChar'run-1' AND stage = NVarChar'load'",
          "UPDATE [dbo].[pipeline_run] SET status = NVarChar'SUCCESS_WITH_REJECTS', rows_fetched = BigInt(100), rows_output = BigInt(93), rows_rejected = BigInt(7), reject_rate_pct = Float(7), reject_threshold_pct = Float(7.5), finished_at = DateTime2'2019-12-08 06:10:00.123000', output_path = NVarChar'out/events.parquet', rejects_path = NVarChar'out/rejects.parquet', error_type = NVarChar(NULL), error_message = NVarChar(NULL) OUTPUT INSERTED.run_id WHERE run_id = NVarChar'run-1'",
          `SELECT TOP (Int(2)) ${EXPORT_COLUMNS} FROM [dbo].[vw_salesforce_customer_weekly_export] WHERE week_start = Date'2019-12-01' AND week_end = Date'2019-12-07' ORDER BY user_id`,
          `SELECT TOP (Int(2)) ${EXPORT_COLUMNS} FROM [dbo].[vw_salesforce_customer_weekly_export] WHERE week_start = Date'2019-12-01' AND week_end = Date'2019-12-07' AND user_id > NVarChar'u2' ORDER BY user_id`,
        ],
      )
    }),
  )
})
