import { Effect, Layer, TestClock } from "effect"
import * as SyncLedgerSql from "../../../src/layers/warehouse/SyncLedgerSql.js"
import { TEXT_LENGTH } from "../../../src/layers/warehouse/WarehouseSqlTypes.js"
import { type JobRow, SyncLedger } from "../../../src/services/SyncLedger.js"
import { isMssqlParam, type Recorded, type Responder, recordingMssqlClient } from "../../support/RecordingSqlClient.js"
import { assertTsqlShape, assertTyped, literalOf, typeNames } from "../../support/tsql.js"
import { assert, describe, it } from "../../support/vitest.js"
import { WEEK } from "../../support/warehouse.js"

/** The moment every statement is written at; DATETIME2(3) keeps its milliseconds. */
const NOW = Date.parse("2019-12-08T07:00:00.123Z")
const AT = "DateTime2'2019-12-08 07:00:00.123000'"

const rows = (n: number): Array<JobRow> =>
  Array.from({ length: n }, (_, i) => ({ externalId: `u${i}:2019-12-01`, contentHash: `${i}`.padStart(64, "0") }))

/** Runs `self` on the ledger over the recording SQL Server client at NOW: every statement sent but transaction control. */
const onMssql = <A, E>(self: Effect.Effect<A, E, SyncLedger>, respond?: Responder) =>
  Effect.gen(function* () {
    const log: Array<Recorded> = []
    yield* TestClock.setTime(NOW)
    const result = yield* self.pipe(
      Effect.provide(SyncLedgerSql.layer.pipe(Layer.provide(recordingMssqlClient(log, respond)))),
    )
    const statements = log.filter((s) => !/^(BEGIN|COMMIT|ROLLBACK) TRANSACTION/.test(s.sql))
    const untyped = log.filter((s) => !s.params.every(isMssqlParam)).map((s) => s.sql.trim().slice(0, 60))
    assert.deepStrictEqual(untyped, [], `${untyped.length} of ${log.length} statements bind untyped parameters`)
    for (const statement of log) {
      assertTsqlShape(statement)
      assertTyped(statement)
    }
    // Every table the ledger names is under dbo.
    for (const { sql } of statements) {
      for (const m of sql.matchAll(/\b(?:FROM|INTO|UPDATE)\s+(\S+)/g))
        assert.match(m[1] ?? "", /^\[dbo\]\.\[salesforce_sync_/)
    }
    return { result, statements }
  })

const literals = (statement: Recorded | undefined) => (statement?.params ?? []).map(literalOf)

/** The declared length of the parameter: tedious declares `nvarchar(max)` above 4,000. */
const declaredLength = (param: unknown) => (isMssqlParam(param) ? param.i2.length : undefined)

describe("SyncLedgerSql.layer on SQL Server: every statement binds typed values (rendered, no server)", () => {
  it.effect("records a job and its rows: ids and names nvarchar, week dates date, the count int, times datetime2", () =>
    Effect.gen(function* () {
      const { statements } = yield* onMssql(
        Effect.flatMap(SyncLedger, (ledger) =>
          ledger.recordJob({ jobId: "750A", runId: "r1", week: WEEK, objectName: "Obj__c", rows: rows(2) }),
        ),
      )
      assert.lengthOf(statements, 2)
      const [job, jobRows] = statements
      assert.match(
        job?.sql ?? "",
        /^INSERT INTO \[dbo\]\.\[salesforce_sync_job\] \(\[job_id\],\[run_id\],\[week_start\],/,
      )
      assert.deepStrictEqual(literals(job), [
        "NVarChar'750A'",
        "NVarChar'r1'",
        "Date'2019-12-01'",
        "Date'2019-12-07'",
        "NVarChar'Obj__c'",
        "NVarChar'Open'",
        "Int(2)",
        AT,
        AT,
      ])
      assert.match(jobRows?.sql ?? "", /^INSERT INTO \[dbo\]\.\[salesforce_sync_job_row\] /)
      assert.deepStrictEqual(literals(jobRows), [
        "NVarChar'750A'",
        "NVarChar'u0:2019-12-01'",
        `NVarChar'${"0".repeat(64)}'`,
        "NVarChar'750A'",
        "NVarChar'u1:2019-12-01'",
        `NVarChar'${"1".padStart(64, "0")}'`,
      ])
    }),
  )

  it.effect("moves a job's state with its time, and reads unfinished jobs and their rows as tedious returns them", () =>
    Effect.gen(function* () {
      const open = {
        job_id: "750A",
        run_id: "r1",
        week_start: new Date("2019-12-01T00:00:00Z"),
        week_end: new Date("2019-12-07T00:00:00Z"),
        object_name: "Obj__c",
        state: "UploadComplete",
        record_count: 2,
        created_at: new Date("2019-12-08T06:00:00.001Z"),
        updated_at: new Date(NOW),
      }
      const { result, statements } = yield* onMssql(
        Effect.gen(function* () {
          const ledger = yield* SyncLedger
          yield* ledger.updateJobState("750A", "UploadComplete")
          return { jobs: yield* ledger.unfinishedJobs("Obj__c"), rows: yield* ledger.jobRows("750A") }
        }),
        (sql) =>
          sql.includes("[salesforce_sync_job] WHERE")
            ? [open]
            : sql.includes("[salesforce_sync_job_row]")
              ? [{ external_id: "u0:2019-12-01", content_hash: "0".repeat(64) }]
              : [],
      )
      const [update, unfinished, jobRows] = statements
      assert.strictEqual(
        update?.sql,
        "UPDATE [dbo].[salesforce_sync_job] SET state = @1, updated_at = @2 WHERE job_id = @3",
      )
      assert.deepStrictEqual(literals(update), ["NVarChar'UploadComplete'", AT, "NVarChar'750A'"])
      assert.match(
        unfinished?.sql ?? "",
        /WHERE object_name = @1 AND collected_at IS NULL ORDER BY created_at, job_id$/,
      )
      assert.deepStrictEqual(literals(unfinished), ["NVarChar'Obj__c'"])
      assert.match(jobRows?.sql ?? "", /FROM \[dbo\]\.\[salesforce_sync_job_row\] WHERE job_id = @1$/)
      assert.deepStrictEqual(literals(jobRows), ["NVarChar'750A'"])
      assert.deepStrictEqual(result.jobs, [
        {
          jobId: "750A",
          runId: "r1",
          weekStart: "2019-12-01",
          weekEnd: "2019-12-07",
          objectName: "Obj__c",
          state: "UploadComplete",
          recordCount: 2,
          createdAt: new Date("2019-12-08T06:00:00.001Z"),
          updatedAt: new Date(NOW),
        },
      ])
      assert.deepStrictEqual(result.rows, [{ externalId: "u0:2019-12-01", contentHash: "0".repeat(64) }])
    }),
  )

  it.effect(
    "collects a job: results, the sync state of the rows that went through, the job closed, its rows gone",
    () =>
      Effect.gen(function* () {
        const [a, b] = rows(2)
        const longMessage = "x".repeat(TEXT_LENGTH + 1000)
        const { statements } = yield* onMssql(
          Effect.flatMap(SyncLedger, (ledger) =>
            ledger.collectJob({
              jobId: "750A",
              runId: "r2",
              state: "Failed",
              errorMessage: longMessage,
              results: [
                { ...(a as JobRow), salesforceId: "a0B1", outcome: "created", errorCode: null, errorMessage: null },
                { ...(b as JobRow), salesforceId: null, outcome: "failed", errorCode: "X", errorMessage: "bad" },
              ],
            }),
          ),
        )
        assert.lengthOf(statements, 5)
        const [results, deleteState, insertState, close, deleteRows] = statements
        assert.match(results?.sql ?? "", /^INSERT INTO \[dbo\]\.\[salesforce_sync_result\] /)
        assert.deepStrictEqual(literals(results), [
          ...["NVarChar'r2'", "NVarChar'750A'", "NVarChar'u0:2019-12-01'", "NVarChar'a0B1'", "NVarChar'created'"],
          ...["NVarChar(NULL)", "NVarChar(NULL)", AT],
          ...["NVarChar'r2'", "NVarChar'750A'", "NVarChar'u1:2019-12-01'", "NVarChar(NULL)", "NVarChar'failed'"],
          ...["NVarChar'X'", "NVarChar'bad'", AT],
        ])
        assert.strictEqual(deleteState?.sql, "DELETE FROM [dbo].[salesforce_sync_state] WHERE [external_id] IN (@1)")
        assert.deepStrictEqual(literals(deleteState), ["NVarChar'u0:2019-12-01'"])
        assert.match(insertState?.sql ?? "", /^INSERT INTO \[dbo\]\.\[salesforce_sync_state\] /)
        assert.deepStrictEqual(literals(insertState), [
          "NVarChar'u0:2019-12-01'",
          `NVarChar'${"0".repeat(64)}'`,
          "NVarChar'a0B1'",
          "NVarChar'r2'",
          "NVarChar'750A'",
          AT,
        ])
        assert.match(close?.sql ?? "", /^UPDATE \[dbo\]\.\[salesforce_sync_job\] SET state = @1, error_message = @2,/)
        assert.deepStrictEqual(literals(close), [
          "NVarChar'Failed'",
          `NVarChar'${longMessage}'`,
          AT,
          AT,
          "NVarChar'750A'",
        ])
        assert.strictEqual(deleteRows?.sql, "DELETE FROM [dbo].[salesforce_sync_job_row] WHERE job_id = @1")
        assert.deepStrictEqual(literals(deleteRows), ["NVarChar'750A'"])
        // Error messages go to NVARCHAR(MAX) columns: declared longer than 4,000, so tedious sends them whole.
        for (const param of [close?.params[1], results?.params[6], results?.params[14]]) {
          assert.isAbove(Number(declaredLength(param)), TEXT_LENGTH)
        }
      }),
  )

  it.effect("looks up many sync states and writes a large job in typed batches under 2,100 parameters", () =>
    Effect.gen(function* () {
      const many = rows(5000)
      const { statements } = yield* onMssql(
        Effect.gen(function* () {
          const ledger = yield* SyncLedger
          yield* ledger.syncedHashes(many.map((r) => r.externalId))
          yield* ledger.recordJob({ jobId: "750B", runId: "r1", week: WEEK, objectName: "Obj__c", rows: many })
          yield* ledger.collectJob({
            jobId: "750B",
            runId: "r1",
            state: "JobComplete",
            errorMessage: null,
            results: many.map((r) => ({
              ...r,
              salesforceId: "a0B",
              outcome: "updated",
              errorCode: null,
              errorMessage: null,
            })),
          })
        }),
      )
      const paramsOf = (pattern: RegExp) => statements.filter((s) => pattern.test(s.sql)).flatMap((s) => s.params)
      const lookups = paramsOf(/^\s*SELECT external_id, content_hash FROM \[dbo\]\.\[salesforce_sync_state\]/)
      assert.strictEqual(lookups.length, 5000)
      assert.deepStrictEqual([...new Set(typeNames(lookups))], ["NVarChar"])
      assert.strictEqual(paramsOf(/^INSERT INTO \[dbo\]\.\[salesforce_sync_job_row\]/).length, 5000 * 3)
      assert.strictEqual(paramsOf(/^INSERT INTO \[dbo\]\.\[salesforce_sync_result\]/).length, 5000 * 8)
      assert.strictEqual(paramsOf(/^DELETE FROM \[dbo\]\.\[salesforce_sync_state\]/).length, 5000)
      const state = paramsOf(/^INSERT INTO \[dbo\]\.\[salesforce_sync_state\]/)
      assert.strictEqual(state.length, 5000 * 6)
      assert.deepStrictEqual(typeNames(state.slice(-6)), [
        "NVarChar",
        "NVarChar",
        "NVarChar",
        "NVarChar",
        "NVarChar",
        "DateTime2",
      ])
      assert.isAbove(Math.max(...statements.map((s) => s.params.length)), 1000)
    }),
  )
})
