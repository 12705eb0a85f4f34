import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Either, Layer, Stream } from "effect"
import { DEFAULT_FIELD_MAPPING, mapRow, parseFieldMapping } from "../../../src/domain/SalesforceFields.js"
import { contentHasher, type PlanOptions, PlanTally, planJobs } from "../../../src/program/stages/SyncPlan.js"
import { SyncLedger } from "../../../src/services/SyncLedger.js"
import { metricsRow, metricsRows } from "../../support/salesforce.js"

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
      const hash = contentHasher("Customer_Weekly_Metric__c", mapping.fields)
      const rows = metricsRows(4)
      const synced = new Map([
        ["u0:2019-12-01", hash(["stale"])],
        ["u1:2019-12-01", hash(mapRow(mapping, metricsRow(1)))],
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

  it("hashes differ when the object or the mapping changes", () => {
    const values = ["a", null, "1"]
    assert.notStrictEqual(contentHasher("A__c", ["X__c"])(values), contentHasher("B__c", ["X__c"])(values))
    assert.notStrictEqual(contentHasher("A__c", ["X__c"])(values), contentHasher("A__c", ["Y__c"])(values))
    assert.notStrictEqual(contentHasher("A__c", ["X__c"])(["a", null]), contentHasher("A__c", ["X__c"])(["a", "null"]))
  })

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
