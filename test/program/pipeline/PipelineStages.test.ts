import { existsSync, readdirSync } from "node:fs"
import { Chunk, Effect, Either, Stream } from "effect"
import { readEventRows } from "../../../src/codecs/parquet/EventsParquetReader.js"
import { STAGES } from "../../../src/domain/RunStatus.js"
import { parseWeek } from "../../../src/domain/Week.js"
import { runOfWeek } from "../../../src/program/pipeline/RunOptions.js"
import { makeHarness } from "../../support/PipelineHarness.js"
import { assert, describe, it } from "../../support/vitest.js"

const WEEK = Either.getOrThrow(parseWeek("2019-12-01", "2019-12-07"))
const partition = "week_start=2019-12-01/week_end=2019-12-07"
const AIRFLOW_RUN = "manual__2019-12-01T00:00:00+00:00"

/** The rows of an events.parquet without the run's own timestamp, which differs between runs. */
const parquetRows = (path: string) =>
  readEventRows(path).pipe(
    Stream.map(({ ingested_at: _, ...row }) => row),
    Stream.runCollect,
    Effect.map(Chunk.toReadonlyArray),
  )

const salesforceState = (records: Map<string, { fields: Record<string, string | null> }>) =>
  [...records.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([id, r]) => [id, r.fields])

describe("pipeline, one stage a process (test layers)", () => {
  it.scopedLive("five stages on five workers sharing only the lake give what a full run gives", () =>
    Effect.gen(function* () {
      const staged = yield* makeHarness()
      for (const stage of STAGES) {
        const outcome = yield* staged.run(runOfWeek(WEEK, { stage }), { worker: stage, airflowRunId: AIRFLOW_RUN })
        assert.strictEqual(outcome.status, stage === "salesforce-sync" ? "SUCCESS_WITH_REJECTS" : "IN_PROGRESS")
      }
      const full = yield* makeHarness()
      yield* full.run(runOfWeek(WEEK))

      // The transform worker wrote the Parquet from the raw file the extract worker left in the lake.
      const stagedRows = yield* parquetRows(`${staged.dir}/transform/data/raw_events/${partition}/events.parquet`)
      const fullRows = yield* parquetRows(`${full.dir}/main/data/raw_events/${partition}/events.parquet`)
      assert.strictEqual(stagedRows.length, fullRows.length)
      assert.deepStrictEqual(stagedRows, fullRows)

      const warehouseRows = (h: typeof staged) =>
        h.query<Record<string, unknown>>(
          "SELECT event_time, event_type, product_id, category_id, price, user_id FROM ecom_events ORDER BY event_time, user_id, product_id",
        )
      assert.deepStrictEqual(yield* warehouseRows(staged), yield* warehouseRows(full))
      assert.deepStrictEqual(salesforceState(staged.org.records), salesforceState(full.org.records))
      assert.isAbove(staged.org.records.size, 0)

      const runs = yield* staged.query<{ run_id: string; status: string }>("SELECT run_id, status FROM pipeline_run")
      assert.strictEqual(runs.length, 1, "every stage joined the run its extract started")
      assert.strictEqual(runs[0]?.status, "SUCCESS_WITH_REJECTS")
      const stages = yield* staged.query<{ run_id: string }>("SELECT run_id FROM pipeline_stage")
      assert.deepStrictEqual(
        stages.map((s) => s.run_id),
        STAGES.map(() => runs[0]?.run_id),
      )
      const [checkpoint] = yield* staged.query<{ next_week_start: string }>(
        "SELECT next_week_start FROM pipeline_checkpoint",
      )
      assert.strictEqual(checkpoint?.next_week_start, "2019-12-08")
      // The last stage cleaned the hand-over files up, here and in the lake.
      assert.deepStrictEqual(readdirSync(`${staged.dir}/salesforce-sync/data/raw_events/${partition}`), [
        "_SUCCESS.json",
      ])
      assert.deepStrictEqual(
        (yield* staged.lake.list("reverse_etl")).map((e) => e.path),
        [
          `reverse_etl/raw_events/${partition}/_SUCCESS.json`,
          `reverse_etl/raw_events/${partition}/events.parquet`,
          `reverse_etl/raw_events_rejects/${partition}/rejects.parquet`,
        ],
      )
    }),
  )

  it.scopedLive("a stage without its input says which stage to run first", () =>
    Effect.gen(function* () {
      const h = yield* makeHarness()
      const error = yield* Effect.flip(h.run(runOfWeek(WEEK, { stage: "load" }), { airflowRunId: "scheduled__x" }))
      assert.include(JSON.stringify(error), "run --stage extract first")
    }),
  )

  it.scopedLive("a hostile run id never leaves the week's directory", () =>
    Effect.gen(function* () {
      const h = yield* makeHarness()
      yield* h.run(runOfWeek(WEEK, { stage: "extract", localOnly: true }), { airflowRunId: "../../x" })
      const names = readdirSync(`${h.dir}/main/data/raw_events/${partition}`)
      const sidecar = names.find((n) => n.startsWith("_stage_extract_"))
      assert.match(sidecar ?? "", /^_stage_extract_[A-Za-z0-9_-]+\.json$/)
      assert.deepStrictEqual(readdirSync(`${h.dir}/main/data`), ["raw_events"])
      yield* h.run(runOfWeek(WEEK, { stage: "transform", localOnly: true }), { airflowRunId: "../../x" })
      assert.isTrue(existsSync(`${h.dir}/main/data/raw_events/${partition}/events.parquet`))
    }),
  )
})
