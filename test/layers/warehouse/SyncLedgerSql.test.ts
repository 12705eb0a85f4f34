import * as Reactivity from "@effect/experimental/Reactivity"
import { SqlClient } from "@effect/sql"
import { MssqlClient } from "@effect/sql-mssql"
import { type Context, Effect, Layer } from "effect"
import type { RowOutcome } from "../../../src/domain/SalesforceResults.js"
import migration from "../../../src/layers/warehouse/migrations/0002_salesforce_sync.js"
import * as SyncLedgerSql from "../../../src/layers/warehouse/SyncLedgerSql.js"
import { type JobRow, SyncLedger } from "../../../src/services/SyncLedger.js"
import { sqliteLayer, tempDir, WEEK } from "../../support/salesforce.js"
import { readTable, runStatement } from "../../support/sqlite.js"
import { assert, describe, it } from "../../support/vitest.js"

const rows = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ externalId: `u${i}:2019-12-01`, contentHash: `${i}`.padStart(64, "0") }))

const resultOf = (
  row: JobRow | undefined,
  outcome: RowOutcome,
  salesforceId: string | null = "a0B",
  errorCode: string | null = null,
) => ({
  externalId: row?.externalId ?? "",
  contentHash: row?.contentHash ?? "",
  salesforceId,
  outcome,
  errorCode,
  errorMessage: errorCode === null ? null : `failed with ${errorCode}`,
})

/** Records a job of `jobRows` and collects it with every row ending as `outcome`. */
const sendAll = (ledger: Context.Tag.Service<SyncLedger>, jobId: string, jobRows: Array<JobRow>, outcome: RowOutcome) =>
  Effect.zipRight(
    ledger.recordJob({ jobId, runId: "r", week: WEEK, objectName: "Obj__c", rows: jobRows }),
    ledger.collectJob({
      jobId,
      runId: "r",
      state: "JobComplete",
      errorMessage: null,
      results: jobRows.map((r) => resultOf(r, outcome)),
    }),
  )

/** A SqlClient that compiles for SQL Server and records every statement instead of running it. */
const recordingMssql = (statements: Array<{ sql: string; params: ReadonlyArray<unknown> }>) => {
  const record = (sql: string, params: ReadonlyArray<unknown>) =>
    Effect.sync(() => {
      statements.push({ sql, params })
      return [] as Array<never>
    })
  const connection = {
    execute: record,
    executeRaw: record,
    executeValues: record,
    executeUnprepared: record,
    executeStream: () => {
      throw new Error("not used")
    },
  }
  return Layer.effect(
    SqlClient.SqlClient,
    SqlClient.make({ acquirer: Effect.succeed(connection), compiler: MssqlClient.makeCompiler(), spanAttributes: [] }),
  ).pipe(Layer.provide(Reactivity.layer))
}

describe("SyncLedgerSql.layer on SQLite", () => {
  const ledgerOn = (database: string) => SyncLedgerSql.layer.pipe(Layer.provide(sqliteLayer(database)))

  it.effect("records a job before upload, lists it unfinished, and closes it when collected", () =>
    Effect.gen(function* () {
      const database = `${tempDir("retl-ledger-")}/w.sqlite`
      yield* Effect.gen(function* () {
        const ledger = yield* SyncLedger
        yield* ledger.recordJob({ jobId: "750A", runId: "r1", week: WEEK, objectName: "Obj__c", rows: rows(3) })
        yield* ledger.updateJobState("750A", "UploadComplete")
        const [open] = yield* ledger.unfinishedJobs("Obj__c")
        assert.deepInclude(open, {
          jobId: "750A",
          runId: "r1",
          weekStart: "2019-12-01",
          state: "UploadComplete",
          recordCount: 3,
        })
        assert.instanceOf(open?.createdAt, Date)
        assert.lengthOf(yield* ledger.unfinishedJobs("Other__c"), 0)
        assert.deepStrictEqual(yield* ledger.jobRows("750A"), rows(3))
      }).pipe(Effect.provide(ledgerOn(database)))

      // A new connection, as the next run would open.
      yield* Effect.gen(function* () {
        const ledger = yield* SyncLedger
        const [a, b, c] = rows(3)
        yield* ledger.collectJob({
          jobId: "750A",
          runId: "r2",
          state: "JobComplete",
          errorMessage: null,
          results: [resultOf(a, "created", "a0B1"), resultOf(b, "updated", "a0B2"), resultOf(c, "failed", null, "X")],
        })
        assert.lengthOf(yield* ledger.unfinishedJobs("Obj__c"), 0)
        const hashes = yield* ledger.syncedHashes(rows(3).map((r) => r.externalId))
        assert.deepStrictEqual([...hashes.keys()].sort(), [a?.externalId, b?.externalId].sort())
      }).pipe(Effect.provide(ledgerOn(database)))
      assert.deepStrictEqual(
        readTable(database, "salesforce_sync_state").map((r) => [r.external_id, r.salesforce_id, r.run_id]),
        [
          ["u0:2019-12-01", "a0B1", "r2"],
          ["u1:2019-12-01", "a0B2", "r2"],
        ],
      )
      assert.lengthOf(readTable(database, "salesforce_sync_job_row"), 0)
    }),
  )

  it.effect("looks up the hashes of many thousand external ids", () =>
    Effect.gen(function* () {
      const ledger = yield* SyncLedger
      const many = rows(4500)
      yield* sendAll(ledger, "750B", many, "created")
      const hashes = yield* ledger.syncedHashes([...many.map((r) => r.externalId), "never-synced"])
      assert.strictEqual(hashes.size, 4500)
      assert.strictEqual(hashes.get("u4499:2019-12-01"), "4499".padStart(64, "0"))
    }).pipe(Effect.provide(ledgerOn(`${tempDir("retl-ledger-")}/w.sqlite`))),
  )

  it.effect("fails as the rest of the warehouse does: the driver's reason, and whether it may pass", () =>
    Effect.gen(function* () {
      const database = `${tempDir("retl-ledger-")}/w.sqlite`
      const error = yield* Effect.gen(function* () {
        const ledger = yield* SyncLedger
        yield* ledger.syncedHashes(["u1:2019-12-01"])
        runStatement(database, "DROP TABLE salesforce_sync_state")
        return yield* Effect.flip(ledger.syncedHashes(["u1:2019-12-01"]))
      }).pipe(Effect.provide(ledgerOn(database)))
      assert.strictEqual(error._tag, "WarehouseError")
      assert.include(error.message, "no such table: salesforce_sync_state")
      assert.include(error.details, { operation: "read the sync state (Salesforce sync ledger)", transient: false })
    }),
  )
})

describe("Salesforce sync tables on SQL Server", () => {
  it.effect("are created under dbo with Unicode columns", () =>
    Effect.gen(function* () {
      const statements: Array<{ sql: string; params: ReadonlyArray<unknown> }> = []
      yield* migration.pipe(Effect.provide(recordingMssql(statements)))
      const ddl = statements.map((s) => s.sql).join("\n")
      assert.include(
        ddl,
        "CREATE TABLE dbo.salesforce_sync_job (job_id NVARCHAR(18) NOT NULL, run_id NVARCHAR(255) NOT NULL",
      )
      assert.include(ddl, "error_message NVARCHAR(MAX) NULL")
      assert.include(ddl, "created_at DATETIME2(3) NOT NULL")
      assert.include(ddl, "CREATE INDEX ix_salesforce_sync_result_run_id ON dbo.salesforce_sync_result (run_id)")
      assert.notInclude(ddl, "TEXT")
    }),
  )

  it.effect("write in batches under SQL Server's 2,100-parameter limit", () =>
    Effect.gen(function* () {
      const statements: Array<{ sql: string; params: ReadonlyArray<unknown> }> = []
      const many = rows(10_000)
      yield* Effect.gen(function* () {
        const ledger = yield* SyncLedger
        yield* ledger.syncedHashes(many.map((r) => r.externalId))
        yield* sendAll(ledger, "750C", many, "updated")
      }).pipe(Effect.provide(SyncLedgerSql.layer.pipe(Layer.provide(recordingMssql(statements)))))
      const largest = Math.max(...statements.map((s) => s.params.length))
      assert.isAtMost(largest, 2100)
      assert.isAbove(largest, 1000)
      assert.isTrue(statements.some((s) => s.sql.startsWith("INSERT INTO [dbo].[salesforce_sync_job_row]")))
      assert.isTrue(statements.some((s) => s.sql.startsWith("DELETE FROM [dbo].[salesforce_sync_state]")))
    }),
  )
})
