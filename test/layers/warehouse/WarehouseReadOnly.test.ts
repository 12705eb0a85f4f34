import { createHash } from "node:crypto"
import { existsSync, readFileSync } from "node:fs"
import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Layer, Option } from "effect"
import * as AppConfigProvider from "../../../src/layers/config/AppConfigProvider.js"
import * as SqlClientSqlite from "../../../src/layers/warehouse/SqlClientSqlite.js"
import * as SyncLedgerSql from "../../../src/layers/warehouse/SyncLedgerSql.js"
import * as WarehouseReadOnly from "../../../src/layers/warehouse/WarehouseReadOnly.js"
import * as WarehouseSql from "../../../src/layers/warehouse/WarehouseSql.js"
import { SyncLedger } from "../../../src/services/SyncLedger.js"
import { Warehouse } from "../../../src/services/Warehouse.js"
import { scopedTempDir } from "../../support/TempDir.js"
import { assert, describe, it } from "../../support/vitest.js"
import { WEEK } from "../../support/warehouse.js"

const readOnly = (path: string) =>
  WarehouseReadOnly.layer.pipe(
    Layer.provide(AppConfigProvider.layerFromMap({ SQLITE_PATH: path })),
    Layer.provide(NodeFileSystem.layer),
  )

/** What a dry run asks of the warehouse, and a write it must never make. */
const dryRunReads = Effect.gen(function* () {
  const warehouse = yield* Warehouse
  const ledger = yield* SyncLedger
  return {
    checkpoint: yield* warehouse.readCheckpoint,
    hashes: yield* ledger.syncedHashes(["u1:2019-12-01", "u2:2019-12-01"]),
    openJobs: yield* ledger.unfinishedJobs("Customer_Weekly_Metric__c"),
    write: yield* Effect.flip(warehouse.advanceCheckpoint(WEEK)),
  }
})

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex")

describe("the warehouse as a dry run reads it", () => {
  it.scoped("no SQLite file yet: an empty warehouse; nothing created, writes refused", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("retl-readonly-")
      const reads = yield* dryRunReads.pipe(Effect.provide(readOnly(`${dir}/nested/warehouse.sqlite`)))
      assert.isTrue(Option.isNone(reads.checkpoint))
      assert.strictEqual(reads.hashes.size, 0)
      assert.deepStrictEqual(reads.openJobs, [])
      assert.strictEqual(reads.write._tag, "WarehouseError")
      assert.isFalse(existsSync(`${dir}/nested`), "neither the file nor its directory was created")
    }),
  )

  it.scoped("an existing warehouse: its sync state and checkpoint read, writes refused, the file untouched", () =>
    Effect.gen(function* () {
      const dir = yield* scopedTempDir("retl-readonly-")
      const path = `${dir}/warehouse.sqlite`
      yield* Effect.gen(function* () {
        const warehouse = yield* Warehouse
        yield* warehouse.migrate
        yield* warehouse.advanceCheckpoint(WEEK)
        yield* (yield* SyncLedger).collectJob({
          jobId: "750000000000001AAA",
          runId: "run-1",
          state: "JobComplete",
          errorMessage: null,
          results: [
            {
              externalId: "u1:2019-12-01",
              outcome: "created",
              salesforceId: "a0B000000000001AAA",
              errorCode: null,
              errorMessage: null,
              contentHash: "a".repeat(64),
            },
          ],
        })
      }).pipe(
        Effect.provide(
          Layer.merge(WarehouseSql.layer, SyncLedgerSql.layer).pipe(
            Layer.provide(SqlClientSqlite.layer(path)),
            Layer.provide(NodeFileSystem.layer),
          ),
        ),
        Effect.scoped,
      )
      const before = sha256(path)
      const reads = yield* dryRunReads.pipe(Effect.provide(readOnly(path)))
      assert.strictEqual(Option.getOrThrow(reads.checkpoint).next.start, WEEK.next.start)
      assert.deepStrictEqual([...reads.hashes], [["u1:2019-12-01", "a".repeat(64)]])
      assert.deepStrictEqual(reads.openJobs, [])
      assert.strictEqual(reads.write._tag, "WarehouseError")
      assert.strictEqual(sha256(path), before)
    }),
  )
})
