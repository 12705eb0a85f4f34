import { Effect, Either, Stream } from "effect"
import { VIEW_COLUMNS } from "../../../src/layers/warehouse/WarehouseExport.js"
import { Warehouse } from "../../../src/services/Warehouse.js"
import { isMssqlParam } from "../../support/RecordingSqlClient.js"
import { assertTsqlShape, assertTyped, runOnMssql as run, typeNames } from "../../support/tsql.js"
import { assert, describe, it } from "../../support/vitest.js"
import { eventRow, micros, WEEK } from "../../support/warehouse.js"

describe("SQL warehouse on SQL Server: schema and week load (rendered by the MSSQL compiler, no server)", () => {
  it.effect("migrates with T-SQL DDL under dbo, in a transaction", () =>
    Effect.gen(function* () {
      const { result, log } = yield* run(Effect.flatMap(Warehouse, (w) => w.migrate))
      assert.deepStrictEqual(
        result,
        Either.right([
          { id: 1, name: "core" },
          { id: 2, name: "salesforce_sync" },
        ]),
      )
      for (const statement of log) assertTsqlShape(statement)
      const sql = log.map((s) => s.sql)
      assert.match(
        sql[0] ?? "",
        /^IF OBJECT_ID\(N'dbo\.effect_sql_migrations', N'U'\) IS NULL\s+CREATE TABLE \[dbo\]\.\[effect_sql_migrations\]/,
      )
      assert.strictEqual(sql[1], "BEGIN TRANSACTION")
      assert.strictEqual(sql.at(-1), "COMMIT TRANSACTION")
      const created = sql.flatMap((s) =>
        [...s.matchAll(/^CREATE (?:CLUSTERED )?(TABLE|VIEW|INDEX) (\S+)(?: ON (\S+))?/gm)].map(
          (m) => `${m[1]} ${m[3] ?? m[2]}`,
        ),
      )
      assert.deepStrictEqual(created, [
        "TABLE dbo.pipeline_checkpoint",
        "TABLE dbo.pipeline_run",
        "INDEX dbo.pipeline_run",
        "TABLE dbo.pipeline_stage",
        "TABLE dbo.ecom_events",
        "INDEX dbo.ecom_events",
        "VIEW dbo.vw_salesforce_customer_weekly_export",
        "TABLE dbo.salesforce_sync_job",
        "INDEX dbo.salesforce_sync_job",
        "TABLE dbo.salesforce_sync_job_row",
        "TABLE dbo.salesforce_sync_state",
        "TABLE dbo.salesforce_sync_result",
        "INDEX dbo.salesforce_sync_result",
      ])
      const events = sql.find((s) => s.startsWith("CREATE TABLE dbo.ecom_events")) ?? ""
      for (const column of [
        "event_time DATETIME2(6) NOT NULL",
        "price FLOAT NULL",
        "user_id NVARCHAR(100) NOT NULL",
        "category_id NVARCHAR(100) NULL",
        "batch_week_start DATE NOT NULL",
        "ingested_at DATETIME2(6) NOT NULL",
      ]) {
        assert.include(events, column)
      }
      const view = sql.find((s) => s.startsWith("CREATE VIEW")) ?? ""
      for (const column of VIEW_COLUMNS) assert.match(view, new RegExp(`(\\bAS |^\\s+)${column},?$`, "m"))
      assert.include(view, "FROM dbo.ecom_events")
      assert.include(view, "GROUP BY batch_week_start, user_id")
      // The migrator records what it applied, with the driver's default types for its own columns.
      const bookkeeping = log.find((s) => s.sql.startsWith("INSERT INTO [dbo].[effect_sql_migrations]"))
      assert.deepStrictEqual(bookkeeping?.params, [1, "core", 2, "salesforce_sync"])
    }),
  )

  it.effect(
    "loads a week in batches of at most 2,100 parameters, every value typed: float prices, Unicode ids, datetime2(6)",
    () =>
      Effect.gen(function* () {
        const rows = Array.from({ length: 400 }, (_, i) =>
          eventRow({ event_time: micros("2019-12-02T10:00:00.123456Z") + i, price: i === 399 ? null : 1100.28 }),
        )
        const { result, log } = yield* run(
          Effect.flatMap(Warehouse, (w) => w.loadWeek(WEEK, Stream.fromIterable(rows))),
        )
        assert.deepStrictEqual(result, Either.right(400))
        for (const statement of log) {
          assertTsqlShape(statement)
          assertTyped(statement)
        }
        assert.deepStrictEqual(
          log.map((s) => s.sql.split("\n")[0]?.slice(0, 40)),
          [
            "BEGIN TRANSACTION",
            "DELETE FROM [dbo].[ecom_events] WHERE ba",
            ...Array(3).fill("INSERT INTO [dbo].[ecom_events] ([event_"),
            "COMMIT TRANSACTION",
          ],
        )
        const [, del, ...inserts] = log
        assert.deepStrictEqual(typeNames(del?.params ?? []), ["Date"])
        const batchSizes = inserts.slice(0, 3).map((s) => s.params.length / 12)
        assert.deepStrictEqual(batchSizes, [166, 166, 68])
        const first = inserts[0]?.params ?? []
        assert.deepStrictEqual(typeNames(first.slice(0, 12)), [
          "DateTime2",
          "NVarChar",
          "NVarChar",
          "NVarChar",
          "NVarChar",
          "NVarChar",
          "Float",
          "NVarChar",
          "NVarChar",
          "Date",
          "Date",
          "DateTime2",
        ])
        const [eventTime, , productId, categoryId, , , price, userId] = first.filter(isMssqlParam)
        assert.strictEqual(price?.i1, 1100.28)
        assert.strictEqual(userId?.i1, "5200000000000000001")
        assert.strictEqual(categoryId?.i1, "2053013555631882655")
        assert.strictEqual(productId?.i2.length, 4000)
        assert.strictEqual(eventTime?.i2.scale, 6)
        const time = eventTime?.i1 as Date & { nanosecondDelta: number }
        assert.strictEqual(time.toISOString(), "2019-12-02T10:00:00.123Z")
        // tedious writes datetime2(6) as milliseconds × 10³ + nanosecondDelta (seconds) × 10⁶.
        assert.strictEqual(Math.round(time.getTime() * 1000 + time.nanosecondDelta * 1e6), rows[0]?.event_time)
        const lastPrice = inserts[2]?.params.filter(isMssqlParam)[6 + 67 * 12]
        assert.deepStrictEqual([lastPrice?.i0.name, lastPrice?.i1], ["Float", null])
      }),
  )

  it.effect("rolls the transaction back when the stream fails", () =>
    Effect.gen(function* () {
      const { result, log } = yield* run(
        Effect.flatMap(Warehouse, (w) =>
          w.loadWeek(WEEK, Stream.concat(Stream.make(eventRow()), Stream.fail("boom" as const))),
        ),
      )
      assert.deepStrictEqual(result, Either.left("boom" as const))
      assert.strictEqual(log.at(-1)?.sql, "ROLLBACK TRANSACTION")
      assert.isFalse(log.some((s) => s.sql.startsWith("COMMIT")))
    }),
  )
})
