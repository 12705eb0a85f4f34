import { Chunk, Effect, Either, Option, Redacted, Stream } from "effect"
import type { RunFinish } from "../../../src/domain/AuditRecords.js"
import { mssqlClientConfig, SAFE_PARAMETER_TYPES } from "../../../src/layers/warehouse/SqlClientMssql.js"
import type { WarehouseSettings } from "../../../src/services/AppConfig.js"
import { Warehouse } from "../../../src/services/Warehouse.js"
import { isMssqlParam } from "../../support/RecordingSqlClient.js"
import { assertTsqlShape, assertTyped, runOnMssql as run, typeNames } from "../../support/tsql.js"
import { assert, describe, it } from "../../support/vitest.js"
import { WEEK } from "../../support/warehouse.js"

const checkpointRow = {
  next_week_start: new Date("2019-12-08T00:00:00Z"),
  next_week_end: new Date("2019-12-14T00:00:00Z"),
  updated_at: new Date("2019-12-08T07:00:00Z"),
}

const finish: RunFinish = {
  runId: "run-1",
  status: "SUCCESS",
  metrics: {
    rows_fetched: 3_000_000_000,
    rows_output: 2_999_999_990,
    rows_rejected: 10,
    reject_rate_pct: 0.0000003,
    reject_threshold_pct: 5,
  },
  finishedAt: new Date("2019-12-08T06:10:00.123Z"),
  outputPath: "data/raw_events/week_start=2019-12-01/week_end=2019-12-07/events.parquet",
  rejectsPath: null,
  errorType: null,
  errorMessage: null,
}

describe("SQL warehouse on SQL Server: checkpoint, audit trail, export, connection (rendered, no server)", () => {
  it.effect(
    "advances the checkpoint with one MERGE that never moves it back, and reads dates as tedious returns them",
    () =>
      Effect.gen(function* () {
        const { result, log } = yield* run(
          Effect.gen(function* () {
            const warehouse = yield* Warehouse
            const next = yield* warehouse.advanceCheckpoint(WEEK)
            return { next, read: yield* warehouse.readCheckpoint }
          }),
          (sql) => (sql.startsWith("SELECT next_week_start") ? [checkpointRow] : []),
        )
        for (const statement of log) {
          assertTsqlShape(statement)
          assertTyped(statement)
        }
        assert.isTrue(Either.isRight(result))
        if (Either.isRight(result)) {
          assert.strictEqual(result.right.next.toString(), "2019-12-08..2019-12-14")
          assert.isTrue(Option.isSome(result.right.read))
          assert.deepStrictEqual(
            Option.map(result.right.read, (c) => [c.next.toString(), c.updatedAt.toISOString()]),
            Option.some(["2019-12-08..2019-12-14", "2019-12-08T07:00:00.000Z"]),
          )
        }
        const merge = log[0]
        assert.match(merge?.sql ?? "", /^MERGE \[dbo\]\.\[pipeline_checkpoint\] WITH \(HOLDLOCK\) AS target/)
        assert.match(merge?.sql ?? "", /WHEN MATCHED AND target\.next_week_start < @1 THEN/)
        assert.isTrue(merge?.sql.endsWith(";"), "MERGE must end with a semicolon")
        assert.deepStrictEqual(typeNames(merge?.params ?? []), [
          "Date",
          "Date",
          "Date",
          "DateTime2",
          "Date",
          "Date",
          "DateTime2",
        ])
      }),
  )

  it.effect("writes runs and stages idempotently with typed values; finishing reads OUTPUT INSERTED", () =>
    Effect.gen(function* () {
      const { result, log } = yield* run(
        Effect.gen(function* () {
          const warehouse = yield* Warehouse
          yield* warehouse.startRun({ runId: "run-1", correlationId: "corr", week: WEEK, startedAt: new Date() })
          yield* warehouse.startStage({ runId: "run-1", stage: "load", startedAt: new Date() })
          yield* warehouse.finishStage({
            runId: "run-1",
            stage: "load",
            status: "SUCCESS",
            finishedAt: new Date(),
            rowsIn: 5,
            rowsOut: 5,
            errorType: null,
            errorMessage: null,
          })
          yield* warehouse.finishRun(finish)
        }),
        (sql) => (sql.includes("OUTPUT INSERTED.run_id") ? [{ run_id: "run-1" }] : []),
      )
      assert.deepStrictEqual(result, Either.right(undefined))
      for (const statement of log) {
        assertTsqlShape(statement)
        assertTyped(statement)
      }
      const [startRun, startStage, finishStage, finishRun] = log
      assert.match(
        startRun?.sql ?? "",
        /^INSERT INTO \[dbo\]\.\[pipeline_run\][\s\S]*WHERE NOT EXISTS \(SELECT 1 FROM \[dbo\]\.\[pipeline_run\] WITH \(UPDLOCK, HOLDLOCK\)/,
      )
      assert.match(startStage?.sql ?? "", /^MERGE \[dbo\]\.\[pipeline_stage\][\s\S]*;$/)
      assert.match(
        finishStage?.sql ?? "",
        /^UPDATE \[dbo\]\.\[pipeline_stage\] SET [\s\S]* OUTPUT INSERTED\.run_id\nWHERE run_id = @\d+ AND stage = @\d+$/,
      )
      assert.match(
        finishRun?.sql ?? "",
        /^UPDATE \[dbo\]\.\[pipeline_run\] SET [\s\S]* OUTPUT INSERTED\.run_id\nWHERE run_id = @\d+$/,
      )
      assert.deepStrictEqual(typeNames(finishRun?.params ?? []), [
        "NVarChar",
        "BigInt",
        "BigInt",
        "BigInt",
        "Float",
        "Float",
        "DateTime2",
        "NVarChar",
        "NVarChar",
        "NVarChar",
        "NVarChar",
        "NVarChar",
      ])
      const values = (finishRun?.params ?? []).filter(isMssqlParam).map((p) => p.i1)
      assert.strictEqual(values[1], 3_000_000_000)
      assert.strictEqual(values[4], 0.0000003)
      assert.strictEqual(values[8], null)
    }),
  )

  it.effect("fails finishRun when OUTPUT returns no row: the run was never started", () =>
    Effect.gen(function* () {
      const { result } = yield* run(Effect.flatMap(Warehouse, (w) => w.finishRun(finish)))
      assert.isTrue(Either.isLeft(result))
      if (Either.isLeft(result)) assert.strictEqual(result.left.details.reason, "not started")
    }),
  )

  it.effect("pages the export view by keyset with TOP, mapping SQL Server dates to the sync's strings", () =>
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
      const { result, log } = yield* run(
        Effect.flatMap(Warehouse, (w) => Stream.runCollect(w.exportRows(WEEK))),
        () => pages.shift() ?? [],
      )
      for (const statement of log) {
        assertTsqlShape(statement)
        assertTyped(statement)
      }
      assert.strictEqual(log.length, 2)
      assert.match(
        log[0]?.sql ?? "",
        /^SELECT TOP \(@1\) external_signal_id, [\w, ]+ FROM \[dbo\]\.\[vw_salesforce_customer_weekly_export\]\nWHERE week_start = @2 AND week_end = @3\nORDER BY user_id$/,
      )
      assert.match(log[1]?.sql ?? "", /WHERE week_start = @2 AND week_end = @3 AND user_id > @4\nORDER BY user_id$/)
      assert.deepStrictEqual(typeNames(log[1]?.params ?? []), ["Int", "Date", "Date", "NVarChar"])
      assert.strictEqual(log[1]?.params.filter(isMssqlParam)[3]?.i1, "u2")
      const rows = Either.isRight(result) ? Chunk.toReadonlyArray(result.right) : []
      assert.deepStrictEqual(
        rows.map((r) => [r.user_id, r.week_start, r.week_end, r.purchase_revenue]),
        [
          ["u1", "2019-12-01", "2019-12-07", 1100.28],
          ["u2", "2019-12-01", "2019-12-07", 1100.28],
          ["u3", "2019-12-01", "2019-12-07", 1100.28],
        ],
      )
    }),
  )

  it.effect("fails the export naming the column when the view answers something unexpected", () =>
    Effect.gen(function* () {
      const { result } = yield* run(
        Effect.flatMap(Warehouse, (w) => Stream.runCollect(w.exportRows(WEEK))),
        () => [
          {
            external_signal_id: "u1:2019-12-01",
            user_id: "u1",
            week_start: "2019-12-01",
            week_end: "2019-12-07",
            event_count: "3",
          },
        ],
      )
      const error = Either.isLeft(result) ? result.left : undefined
      assert.strictEqual(error?._tag, "WarehouseError")
      assert.strictEqual(error?.details.column, "event_count")
      assert.include(error?.message, 'event_count = "3"')
    }),
  )

  it.effect("connects encrypted, with SQL authentication or an Entra ID token when no user is set", () =>
    Effect.gen(function* () {
      const base: WarehouseSettings = {
        kind: "mssql",
        sqlitePath: "unused",
        server: Option.some("retl.database.windows.net"),
        port: 1433,
        database: Option.some("retl"),
        username: Option.none(),
        password: Option.none(),
      }
      const entra = yield* mssqlClientConfig(base)
      assert.deepInclude(entra, {
        server: "retl.database.windows.net",
        database: "retl",
        port: 1433,
        encrypt: true,
        trustServer: false,
        authType: "azure-active-directory-default",
      })
      assert.isUndefined(entra.username)
      const sqlAuth = yield* mssqlClientConfig({
        ...base,
        username: Option.some("etl"),
        password: Option.some(Redacted.make("s3cret!")),
      })
      assert.deepInclude(sqlAuth, { authType: "default", username: "etl", encrypt: true })
      assert.isTrue(Redacted.isRedacted(sqlAuth.password))
      assert.notInclude(JSON.stringify(sqlAuth), "s3cret!")
      assert.deepStrictEqual(
        [SAFE_PARAMETER_TYPES.number.name, SAFE_PARAMETER_TYPES.string.name, SAFE_PARAMETER_TYPES.Date.name],
        ["Float", "NVarChar", "DateTime2"],
      )
      const missing = yield* Effect.flip(mssqlClientConfig({ ...base, server: Option.none() }))
      assert.strictEqual(missing.details.setting, "AZURE_SQL_SERVER")
    }),
  )
})
