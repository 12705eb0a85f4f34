import { Chunk, Effect, Either, Layer, Stream } from "effect"
import { DEFAULT_FIELD_MAPPING, parseFieldMapping } from "../../../src/domain/SalesforceFields.js"
import { contentHasher, type PlanOptions, PlanTally, planJobs } from "../../../src/program/sync/SyncPlan.js"
import { SyncLedger } from "../../../src/services/SyncLedger.js"
import { metricsRow, metricsRows } from "../../support/salesforce.js"
import { assert, describe, it } from "../../support/vitest.js"

const mapping = Either.getOrThrow(parseFieldMapping(DEFAULT_FIELD_MAPPING, "External_Signal_Id__c"))
const options = (overrides: Partial<PlanOptions> = {}): PlanOptions => ({
  mapping,
  objectName: "Customer_Weekly_Metric__c",
  fullResync: false,
  maxRecords: 10_000,
  maxBytes: 100 * 1024 * 1024,
  ...overrides,
})

/** A ledger that knows only the hashes given; lookups are counted. */
const ledgerWith = (hashes: ReadonlyMap<string, string>, lookups: Array<number> = []) =>
  Layer.succeed(SyncLedger, {
    syncedHashes: (ids) =>
      Effect.sync(() => {
        lookups.push(ids.length)
        return new Map(ids.flatMap((id) => (hashes.has(id) ? [[id, hashes.get(id) as string] as const] : [])))
      }),
    recordJob: () => Effect.die("unused"),
    updateJobState: () => Effect.die("unused"),
    unfinishedJobs: () => Effect.die("unused"),
    jobRows: () => Effect.die("unused"),
    collectJob: () => Effect.die("unused"),
  })

const plan = (rows: ReturnType<typeof metricsRows>, opts: PlanOptions, hashes = new Map<string, string>()) =>
  Effect.gen(function* () {
    const tally = new PlanTally()
    const jobs = yield* Stream.runCollect(planJobs(Stream.fromIterable(rows), opts, tally))
    return { jobs: Chunk.toReadonlyArray(jobs), tally }
  }).pipe(Effect.provide(ledgerWith(hashes)))

describe("planning the jobs of a sync", () => {
  it.effect("cuts jobs at SF_BATCH_SIZE records", () =>
    Effect.gen(function* () {
      const { jobs } = yield* plan(metricsRows(25), options({ maxRecords: 10 }))
      assert.deepStrictEqual(
        jobs.map((j) => j.rows.length),
        [10, 10, 5],
      )
      assert.deepStrictEqual(
        jobs.map((j) => j.index),
        [1, 2, 3],
      )
      for (const job of jobs) assert.strictEqual(job.csv.split("\n").length, job.rows.length + 2)
    }),
  )

  it.effect("cuts jobs before their CSV passes the byte limit, header included", () =>
    Effect.gen(function* () {
      const maxBytes = 1000
      const { jobs } = yield* plan(metricsRows(20), options({ maxBytes }))
      assert.isAbove(jobs.length, 3)
      for (const job of jobs) {
        assert.isAtMost(Buffer.byteLength(job.csv), maxBytes)
        assert.isTrue(job.csv.startsWith("External_Signal_Id__c,Customer_Id__c,"))
      }
      assert.strictEqual(
        jobs.reduce((n, j) => n + j.rows.length, 0),
        20,
      )
    }),
  )

  it.effect("sends one row per external id in a job, the last one", () =>
    Effect.gen(function* () {
      const rows = [metricsRow(1), metricsRow(2), metricsRow(1, { event_count: 5 })]
      const { jobs, tally } = yield* plan(rows, options())
      assert.deepStrictEqual(
        jobs[0]?.rows.map((r) => r.externalId),
        ["u2:2019-12-01", "u1:2019-12-01"],
      )
      assert.include(jobs[0]?.csv ?? "", "u1:2019-12-01,u1,2019-12-01,2019-12-07,5,")
      assert.strictEqual(tally.duplicateRows, 1)
    }),
  )

  it.effect("skips rows whose hash matches their last sync, unless resyncing in full", () =>
    Effect.gen(function* () {
      const hash = contentHasher("Customer_Weekly_Metric__c", mapping)
      const rows = metricsRows(4)
      const synced = new Map([
        ["u0:2019-12-01", hash(metricsRow(0, { view_count: 0 }))],
        ["u1:2019-12-01", hash(metricsRow(1))],
      ])
      const partial = yield* plan(rows, options(), synced)
      assert.deepInclude(partial.tally, { newRows: 2, changedRows: 1, unchangedRows: 1 })
      assert.deepStrictEqual(
        partial.jobs[0]?.rows.map((r) => r.externalId),
        ["u0:2019-12-01", "u2:2019-12-01", "u3:2019-12-01"],
      )
      const full = yield* plan(rows, options({ fullResync: true }), synced)
      assert.strictEqual(full.jobs[0]?.rows.length, 4)
      assert.strictEqual(full.tally.unchangedRows, 1)
    }),
  )

  it.effect("hashes change with any mapped value, the object or the mapping, and only with those", () =>
    Effect.sync(() => {
      const hash = contentHasher("A__c", mapping)
      const row = metricsRow(1)
      assert.strictEqual(hash(row), hash({ ...row }))
      assert.notStrictEqual(hash(row), hash(metricsRow(1, { last_event_at: null })))
      assert.notStrictEqual(hash(row), hash(metricsRow(1, { purchase_revenue: 1.26 })))
      assert.notStrictEqual(hash(row), contentHasher("B__c", mapping)(row))
      const narrower = Either.getOrThrow(
        parseFieldMapping(
          { external_signal_id: "External_Signal_Id__c", user_id: "Customer_Id__c" },
          "External_Signal_Id__c",
        ),
      )
      const renamed = Either.getOrThrow(
        parseFieldMapping(
          { external_signal_id: "External_Signal_Id__c", user_id: "Customer__c" },
          "External_Signal_Id__c",
        ),
      )
      assert.notStrictEqual(contentHasher("A__c", narrower)(row), contentHasher("A__c", renamed)(row))
      assert.strictEqual(
        contentHasher("A__c", narrower)(row),
        contentHasher("A__c", narrower)(metricsRow(1, { event_count: 0 })),
      )
    }),
  )

  it.effect("looks up sync state in batches, not per row", () =>
    Effect.gen(function* () {
      const lookups: Array<number> = []
      const tally = new PlanTally()
      yield* Stream.runDrain(planJobs(Stream.fromIterable(metricsRows(2500)), options(), tally)).pipe(
        Effect.provide(ledgerWith(new Map(), lookups)),
      )
      assert.deepStrictEqual(lookups, [2000, 500])
    }),
  )
})
