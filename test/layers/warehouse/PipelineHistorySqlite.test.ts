import { FileSystem } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import { SqlClient } from "@effect/sql"
import { Chunk, Effect, Either, Layer, Option, Stream, TestClock } from "effect"
import type { RowOutcome } from "../../../src/domain/SalesforceResults.js"
import * as PipelineHistorySql from "../../../src/layers/warehouse/PipelineHistorySql.js"
import * as SqlClientSqlite from "../../../src/layers/warehouse/SqlClientSqlite.js"
import * as SyncLedgerSql from "../../../src/layers/warehouse/SyncLedgerSql.js"
import * as WarehouseSql from "../../../src/layers/warehouse/WarehouseSql.js"
import { PipelineHistory } from "../../../src/services/PipelineHistory.js"
import { SyncLedger } from "../../../src/services/SyncLedger.js"
import { Warehouse } from "../../../src/services/Warehouse.js"
import { readQuery, runStatement } from "../../support/sqlite.js"
import { assert, describe, it } from "../../support/vitest.js"
import { week } from "../../support/warehouse.js"

const WEEK_1 = week("2019-12-01", "2019-12-07")
const WEEK_2 = week("2019-12-08", "2019-12-14")

/**
 * A migrated SQLite warehouse written by the pipeline's own write paths (Warehouse, SyncLedger),
 * and read by PipelineHistory with two failed rows a page.
 */
const onWarehouse = <A, E>(body: Effect.Effect<A, E, Warehouse | SyncLedger | PipelineHistory>) =>
  Effect.gen(function* () {
    yield* (yield* Warehouse).migrate
    return yield* body.pipe(Effect.provide(PipelineHistorySql.layer({ where: "test", failedRowsPageSize: 2 })))
  }).pipe(
    Effect.provide(
      Layer.mergeAll(WarehouseSql.layer, SyncLedgerSql.layer).pipe(
        Layer.provideMerge(SqlClientSqlite.layer(":memory:")),
        Layer.provide(NodeFileSystem.layer),
      ),
    ),
  )

type Outcome = readonly [customer: string, outcome: RowOutcome, code?: string]

/** One Bulk job of `week` sent and collected with these outcomes, one second after the last. */
const sync = (jobId: string, runId: string, of: typeof WEEK_1, outcomes: ReadonlyArray<Outcome>) =>
  Effect.gen(function* () {
    yield* TestClock.adjust("1 second")
    const ledger = yield* SyncLedger
    const rows = outcomes.map(([customer], i) => ({
      externalId: `${customer}:${of.start}`,
      contentHash: `${jobId}${i}`.padStart(64, "0"),
    }))
    yield* ledger.recordJob({ jobId, runId, week: of, objectName: "Obj__c", rows })
    yield* ledger.collectJob({
      jobId,
      runId,
      state: "JobComplete",
      errorMessage: null,
      results: outcomes.map(([, outcome, code], i) => ({
        externalId: rows[i]?.externalId ?? "",
        contentHash: rows[i]?.contentHash ?? "",
        salesforceId: outcome === "created" || outcome === "updated" ? `a0B${i}` : null,
        outcome,
        errorCode: code ?? null,
        errorMessage: code === undefined ? null : `${code} on ${jobId}`,
      })),
    })
  })

const metrics = { rows_fetched: 10, rows_output: 9, rows_rejected: 1, reject_rate_pct: 10, reject_threshold_pct: 5 }

/** A run and its stages through the audit trail's writes; the last stage named fails when `failing`. */
const recordRun = (runId: string, of: typeof WEEK_1, at: string, synced: number | null, failing?: string) =>
  Effect.gen(function* () {
    const warehouse = yield* Warehouse
    const startedAt = new Date(at)
    yield* warehouse.startRun({ runId, correlationId: `c-${runId}`, week: of, startedAt })
    const stages =
      failing === undefined ? (["extract", "load", "salesforce-sync"] as const) : (["extract", "quality-gate"] as const)
    for (const stage of [...stages].reverse()) {
      yield* warehouse.startStage({ runId, stage, startedAt })
      const fails = stage === failing
      yield* warehouse.finishStage({
        runId,
        stage,
        status: fails ? "FAILED" : "SUCCESS",
        finishedAt: new Date(startedAt.getTime() + 2000),
        rowsIn: null,
        rowsOut: stage === "salesforce-sync" ? synced : 10,
        errorType: fails ? "DataQualityError" : null,
        errorMessage: fails ? "too many rejects" : null,
      })
    }
    yield* warehouse.finishRun({
      runId,
      status: failing === undefined ? "SUCCESS" : "FAILED",
      metrics,
      finishedAt: new Date(startedAt.getTime() + 5000),
      outputPath: failing === undefined ? "data/events.parquet" : null,
      rejectsPath: null,
      errorType: failing === undefined ? null : "DataQualityError",
      errorMessage: failing === undefined ? null : "too many rejects",
    })
  })

describe("PipelineHistory on SQLite, over what the pipeline's own writes left", () => {
  it.effect("a row is out of sync when its latest failure is newer than its last success, counted once", () =>
    onWarehouse(
      Effect.gen(function* () {
        yield* sync("job-A", "r1", WEEK_1, [
          ["a", "failed", "CODE_1"],
          ["b", "failed", "CODE_2"],
          ["c", "created"],
          ["d", "unprocessed"],
          ["e", "failed", "CODE_1"],
        ])
        yield* sync("job-B", "r2", WEEK_1, [
          ["a", "updated"],
          ["c", "failed", "CODE_3"],
          ["e", "failed", "CODE_4"],
        ])
        yield* sync("job-C", "r3", WEEK_2, [
          ["x", "failed", "CODE_1"],
          ["y", "created"],
        ])
        const ledger = yield* SyncLedger
        yield* ledger.recordJob({ jobId: "job-D", runId: "r4", week: WEEK_2, objectName: "Obj__c", rows: [] })
        const history = yield* PipelineHistory

        const all = Chunk.toReadonlyArray(yield* Stream.runCollect(history.failedRows(Option.none())))
        assert.deepStrictEqual(
          all.map((r) => [r.externalId, r.outcome, r.errorCode, r.errorMessage, r.jobId, r.runId, r.weekStart]),
          [
            ["b:2019-12-01", "failed", "CODE_2", "CODE_2 on job-A", "job-A", "r1", "2019-12-01"],
            ["c:2019-12-01", "failed", "CODE_3", "CODE_3 on job-B", "job-B", "r2", "2019-12-01"],
            ["d:2019-12-01", "unprocessed", null, null, "job-A", "r1", "2019-12-01"],
            ["e:2019-12-01", "failed", "CODE_4", "CODE_4 on job-B", "job-B", "r2", "2019-12-01"],
            ["x:2019-12-08", "failed", "CODE_1", "CODE_1 on job-C", "job-C", "r3", "2019-12-08"],
          ],
        )
        assert.deepStrictEqual(all[1]?.recordedAt.toISOString(), "1970-01-01T00:00:02.000Z", "ledger times are UTC")
        const inWeek2 = yield* Stream.runCollect(history.failedRows(Option.some("2019-12-14")))
        assert.deepStrictEqual(
          Chunk.toReadonlyArray(inWeek2).map((r) => r.externalId),
          ["x:2019-12-08"],
        )
        const counts = yield* history.failureCounts
        assert.sameDeepMembers(
          counts.map((c) => [c.weekStart, c.outcome, c.errorCode, c.rows]),
          [
            ["2019-12-08", "failed", "CODE_1", 1],
            ["2019-12-01", "failed", "CODE_2", 1],
            ["2019-12-01", "failed", "CODE_3", 1],
            ["2019-12-01", "failed", "CODE_4", 1],
            ["2019-12-01", "unprocessed", null, 1],
          ],
        )
        assert.strictEqual(counts[0]?.weekStart, "2019-12-08", "newest week first")
        assert.deepStrictEqual(yield* history.lastSyncedWeek, Option.some({ start: "2019-12-08", end: "2019-12-14" }))
        assert.deepStrictEqual(
          (yield* history.openBulkJobs).map((j) => [j.jobId, j.runId, j.weekStart, j.state, j.recordCount]),
          [["job-D", "r4", "2019-12-08", "Open", 0]],
        )
      }),
    ),
  )

  it.effect("lists runs newest first with their failing stage and rows synced; filters by a day of the week", () =>
    onWarehouse(
      Effect.gen(function* () {
        yield* recordRun("r1", WEEK_1, "2019-12-08T06:00:00.000Z", 42)
        yield* recordRun("r2", WEEK_2, "2019-12-15T06:00:00.000Z", null, "quality-gate")
        const history = yield* PipelineHistory
        const all = yield* history.runs({ week: Option.none(), limit: 20 })
        assert.deepStrictEqual(
          all.map((r) => [r.runId, r.status, r.failedStage, r.errorType, r.rowsSynced, r.rowsValid]),
          [
            ["r2", "FAILED", "quality-gate", "DataQualityError", null, 9],
            ["r1", "SUCCESS", null, null, 42, 9],
          ],
        )
        assert.deepStrictEqual(all[1]?.finishedAt, new Date("2019-12-08T06:00:05.000Z"))
        assert.deepStrictEqual(
          (yield* history.runs({ week: Option.some("2019-12-07"), limit: 20 })).map((r) => r.runId),
          ["r1"],
        )
        assert.deepStrictEqual(
          (yield* history.runs({ week: Option.some("2019-12-08"), limit: 20 })).map((r) => r.runId),
          ["r2"],
        )
        assert.deepStrictEqual(
          (yield* history.runs({ week: Option.none(), limit: 1 })).map((r) => r.runId),
          ["r2"],
        )
        const one = yield* history.run("r2")
        assert.deepStrictEqual(
          Option.map(one, ({ stages }) => stages.map((s) => [s.stage, s.status, s.errorMessage])),
          Option.some([
            ["extract", "SUCCESS", null],
            ["quality-gate", "FAILED", "too many rejects"],
          ]),
        )
        assert.isTrue(Option.isNone(yield* history.run("r3")))
      }),
    ),
  )
})

describe("SQLite opened read only", () => {
  it.scoped("refuses every write, and opens no file that is not there", () =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const path = `${dir}/warehouse.sqlite`
      const missing = yield* Effect.either(
        Effect.flatMap(SqlClient.SqlClient, (sql) => sql`SELECT 1`).pipe(
          Effect.provide(SqlClientSqlite.layerReadOnly(path)),
        ),
      )
      assert.isTrue(Either.isLeft(missing))
      assert.isFalse(yield* fs.exists(path))
      runStatement(path, "CREATE TABLE t (x INTEGER)")
      runStatement(path, "INSERT INTO t VALUES (1)")
      const write = yield* Effect.either(
        Effect.flatMap(SqlClient.SqlClient, (sql) => sql`INSERT INTO t VALUES (2)`).pipe(
          Effect.provide(SqlClientSqlite.layerReadOnly(path)),
        ),
      )
      assert.isTrue(Either.isLeft(write))
      if (Either.isLeft(write)) assert.include(String((write.left as { cause?: unknown }).cause), "readonly")
      assert.deepStrictEqual(readQuery(path, "SELECT x FROM t"), [{ x: 1 }])
    }).pipe(Effect.provide(NodeFileSystem.layer)),
  )
})
