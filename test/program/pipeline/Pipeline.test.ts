import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { Effect, Either, Exit, Layer, Option } from "effect"
import { AuthenticationError } from "../../../src/domain/Errors.js"
import { parseWeek } from "../../../src/domain/Week.js"
import { malformedRecords } from "../../../src/emulators/events-api/EcomDataGenerator.js"
import { REJECTED } from "../../../src/emulators/events-api/EcomMalformed.js"
import { runOfWeek } from "../../../src/program/pipeline/RunOptions.js"
import { Progress } from "../../../src/services/Progress.js"
import { makeHarness } from "../../support/PipelineHarness.js"
import { assert, describe, it } from "../../support/vitest.js"

const WEEK = Either.getOrThrow(parseWeek("2019-12-01", "2019-12-07"))
const partition = "week_start=2019-12-01/week_end=2019-12-07"

const expectedRejects = (data: { seed: number; eventsPerWeek: number; malformedPct: number }) =>
  [...malformedRecords(data, WEEK)].filter((m) => REJECTED[m.kind]).length

describe("pipeline, full run (test layers)", () => {
  it.scopedLive("runs every stage: files, lake, warehouse, Salesforce, audit rows, checkpoint, clean-up", () =>
    Effect.gen(function* () {
      const h = yield* makeHarness()
      // What a SIGKILLed earlier run of the week left: hidden temp files of a process now gone.
      const dead = spawnSync(process.execPath, ["-e", ""]).pid
      for (const dir of [
        `${h.dir}/main/data/raw_events/${partition}`,
        `${h.dir}/main/data/raw_events_rejects/${partition}`,
      ]) {
        mkdirSync(dir, { recursive: true })
        writeFileSync(`${dir}/.events.parquet.tmp-${dead}-0a1b2c3d`, "half a file")
      }
      const outcome = yield* h.run(runOfWeek(WEEK))
      const rejected = expectedRejects(h.data)
      assert.isAbove(rejected, 0)
      assert.strictEqual(outcome.status, "SUCCESS_WITH_REJECTS")
      assert.deepStrictEqual(
        outcome.stages.map((s) => s.stage),
        ["extract", "transform", "load", "quality-gate", "salesforce-sync"],
      )
      const v = Option.getOrThrow(outcome.validation)
      assert.deepStrictEqual([v.rowsFetched, v.rowsRejected], [h.data.eventsPerWeek, rejected])

      const local = `${h.dir}/main/data/raw_events/${partition}`
      assert.deepStrictEqual(readdirSync(local).sort(), ["_SUCCESS.json", "events.parquet"])
      assert.deepStrictEqual(readdirSync(`${h.dir}/main/data/raw_events_rejects/${partition}`), ["rejects.parquet"])

      const [events] = yield* h.query<{ n: number }>("SELECT COUNT(*) AS n FROM ecom_events")
      assert.strictEqual(events?.n, v.rowsValid)
      const customers = yield* h.query<{ n: number }>("SELECT COUNT(*) AS n FROM vw_salesforce_customer_weekly_export")
      assert.strictEqual(h.org.records.size, customers[0]?.n)

      const runs = yield* h.query<{ status: string; rows_fetched: number; rows_rejected: number }>(
        "SELECT status, rows_fetched, rows_rejected FROM pipeline_run",
      )
      assert.deepStrictEqual(runs, [{ status: "SUCCESS_WITH_REJECTS", rows_fetched: 2000, rows_rejected: rejected }])
      const stages = yield* h.query<{ stage: string; status: string }>(
        "SELECT stage, status FROM pipeline_stage ORDER BY started_at",
      )
      assert.deepStrictEqual(
        stages.map((s) => `${s.stage}:${s.status}`),
        ["extract:SUCCESS", "transform:SUCCESS", "load:SUCCESS", "quality-gate:SUCCESS", "salesforce-sync:SUCCESS"],
      )
      const [checkpoint] = yield* h.query<{ next_week_start: string; next_week_end: string }>(
        "SELECT next_week_start, next_week_end FROM pipeline_checkpoint",
      )
      assert.deepStrictEqual({ ...checkpoint }, { next_week_start: "2019-12-08", next_week_end: "2019-12-14" })
      const mirror = JSON.parse(readFileSync(`${h.dir}/main/state/extractor_state.json`, "utf8"))
      assert.strictEqual(mirror.next_week_start, "2019-12-08")
      assert.deepStrictEqual(Option.getOrThrow(outcome.nextWeek).start, "2019-12-08")
    }),
  )

  it.scopedLive("skips a done week, and redoes it with --force without doubling rows or resending customers", () =>
    Effect.gen(function* () {
      const h = yield* makeHarness()
      yield* h.run(runOfWeek(WEEK))
      const uploads = h.org.uploads.size
      const pagesAsked = h.requests.length

      // A killed `--force` run of the done week left a temp file: the skip still removes it.
      const local = `${h.dir}/main/data/raw_events/${partition}`
      const left = `.events.parquet.tmp-${spawnSync(process.execPath, ["-e", ""]).pid}-0a1b2c3d`
      writeFileSync(`${local}/${left}`, "half a file")
      const again = yield* h.run(runOfWeek(WEEK))
      assert.strictEqual(again.status, "SKIPPED")
      assert.notInclude(readdirSync(local), left)
      assert.strictEqual(h.requests.length, pagesAsked, "a done week asks the API for nothing")
      assert.isTrue(h.logs.some((l) => String(l.message).startsWith("Week already done: skipped")))

      const forced = yield* h.run(runOfWeek(WEEK, { force: true }))
      assert.strictEqual(forced.status, "SUCCESS_WITH_REJECTS")
      const sync = forced.outputs["salesforce-sync"]
      assert.strictEqual(sync?.sent, 0)
      assert.strictEqual(sync?.unchanged, h.org.records.size)
      assert.strictEqual(h.org.uploads.size, uploads, "no second upload to Salesforce")
      const [events] = yield* h.query<{ n: number }>("SELECT COUNT(*) AS n FROM ecom_events")
      assert.strictEqual(events?.n, Option.getOrThrow(forced.validation).rowsValid)
      const runs = yield* h.query<{ status: string }>("SELECT status FROM pipeline_run ORDER BY started_at")
      assert.deepStrictEqual(
        runs.map((r) => r.status),
        ["SUCCESS_WITH_REJECTS", "SKIPPED", "SUCCESS_WITH_REJECTS"],
      )
    }),
  )

  it.scopedLive(
    "fails the quality gate above the threshold: FAILED row with the error, checkpoint and marker left alone",
    () =>
      Effect.gen(function* () {
        const h = yield* makeHarness()
        const exit = yield* Effect.exit(h.run(runOfWeek(WEEK), { env: { REJECT_THRESHOLD_PCT: "0.5" } }))
        assert.isTrue(Exit.isFailure(exit))
        if (Exit.isFailure(exit)) assert.include(JSON.stringify(exit.cause), "DataQualityError")
        const [run] = yield* h.query<{ status: string; error_type: string; error_message: string }>(
          "SELECT status, error_type, error_message FROM pipeline_run",
        )
        assert.strictEqual(run?.status, "FAILED")
        assert.strictEqual(run?.error_type, "DataQualityError")
        assert.include(run?.error_message, "REJECT_THRESHOLD_PCT")
        const checkpoint = yield* h.query("SELECT * FROM pipeline_checkpoint")
        assert.deepStrictEqual(checkpoint, [])
        assert.isFalse(existsSync(`${h.dir}/main/data/raw_events/${partition}/_SUCCESS.json`))
        // A full run hands each stage's output to the next in memory: no sidecar, here or in the lake.
        const local = readdirSync(`${h.dir}/main/data/raw_events/${partition}`)
        assert.deepStrictEqual(
          local.filter((name) => name.startsWith("_stage_")),
          [],
        )
        const lake = (yield* h.lake.list("reverse_etl")).map((e) => e.path)
        assert.deepStrictEqual(
          lake.filter((path) => /\/(_stage_[^/]*|raw\.ndjson)$/.test(path)),
          [],
        )
        assert.strictEqual(h.org.records.size, 0, "nothing reaches Salesforce")
        const stages = yield* h.query<{ stage: string; status: string }>("SELECT stage, status FROM pipeline_stage")
        assert.deepStrictEqual(
          stages.find((s) => s.stage === "quality-gate"),
          { stage: "quality-gate", status: "FAILED" },
        )
      }),
  )

  it.scopedLive("records an API failure as the run's error and leaves no raw file", () =>
    Effect.gen(function* () {
      const h = yield* makeHarness({
        page: (_week, n) =>
          n === 2 ? new AuthenticationError({ message: "key revoked", details: { status: 401 } }) : undefined,
      })
      const exit = yield* Effect.exit(h.run(runOfWeek(WEEK)))
      assert.isTrue(Exit.isFailure(exit))
      const [run] = yield* h.query<{ status: string; error_type: string }>(
        "SELECT status, error_type FROM pipeline_run",
      )
      assert.deepStrictEqual({ ...run }, { status: "FAILED", error_type: "AuthenticationError" })
      assert.isFalse(existsSync(`${h.dir}/main/data/raw_events/${partition}/raw.ndjson`))
    }),
  )

  it.scopedLive("dry run: validates and reports, writes no Parquet, no rows, no checkpoint", () =>
    Effect.gen(function* () {
      const h = yield* makeHarness()
      // A dry run migrates nothing: the harness's warehouse is brought up to date as `db migrate` would.
      yield* h.cli(["db", "migrate"])
      const outcome = yield* h.run(runOfWeek(WEEK, { dryRun: true }))
      assert.isTrue(outcome.dryRun)
      assert.strictEqual(Option.getOrThrow(outcome.validation).rowsRejected, expectedRejects(h.data))
      assert.strictEqual(outcome.outputs["salesforce-sync"]?.sent, 0)
      const local = `${h.dir}/main/data/raw_events/${partition}`
      assert.deepStrictEqual(readdirSync(local), ["salesforce_dry_run"], "only the CSVs the sync would send")
      assert.deepStrictEqual(yield* h.query("SELECT * FROM pipeline_run"), [])
      assert.deepStrictEqual(yield* h.query("SELECT * FROM ecom_events"), [])
      assert.strictEqual(h.org.records.size, 0)
    }),
  )

  it.scopedLive("moves the checkpoint only past the week it points at", () =>
    Effect.gen(function* () {
      const h = yield* makeHarness()
      yield* h.run(runOfWeek(WEEK))
      const later = Either.getOrThrow(parseWeek("2019-12-22", "2019-12-28"))
      const skippedAhead = yield* h.run(runOfWeek(later))
      assert.isTrue(Option.isNone(skippedAhead.nextWeek))
      const next = yield* h.run(runOfWeek(WEEK.next))
      assert.strictEqual(Option.getOrThrow(next.nextWeek).start, "2019-12-15")
      const checkpointed = yield* h.run(
        runOfWeek(WEEK, { weekStart: Option.none(), weekEnd: Option.none(), useCheckpoint: true }),
      )
      assert.strictEqual(checkpointed.week.start, "2019-12-15")
    }),
  )

  it.scopedLive(
    "a week whose run died between its marker and its checkpoint: the next run of it finishes the end",
    () =>
      Effect.gen(function* () {
        const h = yield* makeHarness()
        const first = yield* h.run(runOfWeek(WEEK))
        // What a kill right after `_SUCCESS.json` leaves: the run row open, the checkpoint not moved,
        // the hand-over files still there.
        yield* h.query("DELETE FROM pipeline_checkpoint")
        yield* h.query(`UPDATE pipeline_run SET status = 'RUNNING', finished_at = NULL WHERE run_id = '${first.runId}'`)
        const local = `${h.dir}/main/data/raw_events/${partition}`
        writeFileSync(`${local}/raw.ndjson`, "{}\n")
        writeFileSync(`${local}/_stage_extract_${first.runTag}.json`, "{}\n")

        const again = yield* h.run(runOfWeek(WEEK))
        assert.strictEqual(again.status, "SKIPPED")
        assert.strictEqual(Option.getOrThrow(again.nextWeek).start, "2019-12-08")
        const [checkpoint] = yield* h.query<{ next_week_start: string }>(
          "SELECT next_week_start FROM pipeline_checkpoint",
        )
        assert.strictEqual(checkpoint?.next_week_start, "2019-12-08")
        const runs = yield* h.query<{ run_id: string; status: string }>("SELECT run_id, status FROM pipeline_run")
        assert.deepStrictEqual(
          runs.find((r) => r.run_id === first.runId),
          { run_id: first.runId, status: "SUCCESS_WITH_REJECTS" },
        )
        assert.deepStrictEqual(readdirSync(local).sort(), ["_SUCCESS.json", "events.parquet"])

        // Once the end is done, another run of the week skips it and moves nothing.
        const third = yield* h.run(runOfWeek(WEEK))
        assert.isTrue(Option.isNone(third.nextWeek))
      }),
  )

  it.scopedLive(
    "a done week the checkpoint reached later is skipped without moving it (unless --advance-on-skip)",
    () =>
      Effect.gen(function* () {
        const h = yield* makeHarness()
        yield* h.run(runOfWeek(WEEK))
        // The week was done ahead of the checkpoint (a backfill), and the checkpoint came to it since.
        yield* h.query("UPDATE pipeline_checkpoint SET next_week_start = '2019-12-01', next_week_end = '2019-12-07'")
        const skipped = yield* h.run(runOfWeek(WEEK))
        assert.strictEqual(skipped.status, "SKIPPED")
        assert.isTrue(Option.isNone(skipped.nextWeek))
        const advanced = yield* h.run(runOfWeek(WEEK, { advanceOnSkip: true }))
        assert.strictEqual(Option.getOrThrow(advanced.nextWeek).start, "2019-12-08")
      }),
  )

  it.scopedLive("with --local-only nothing reaches the lake", () =>
    Effect.gen(function* () {
      const h = yield* makeHarness()
      const outcome = yield* h.run(runOfWeek(WEEK, { localOnly: true }))
      assert.isNull(outcome.outputs.load?.lakeEvents)
      const again = yield* h.run(runOfWeek(WEEK))
      assert.strictEqual(again.status, "SKIPPED")
      assert.strictEqual(again.lakeCopiesRedone, 3, "a done week's missing lake copies are uploaded again")
    }),
  )
})

describe("pipeline progress", () => {
  it.scopedLive("long stages report progress to a Progress service when one is given, and clear it", () =>
    Effect.gen(function* () {
      const h = yield* makeHarness()
      const updates: Array<string> = []
      const progress = Layer.succeed(Progress, {
        update: (stage, text) => Effect.sync(() => void updates.push(`${stage}: ${text}`)),
        done: (stage) => Effect.sync(() => void updates.push(`${stage}: done`)),
      })
      yield* h.run(runOfWeek(WEEK)).pipe(Effect.provide(progress))
      for (const stage of ["extract", "transform", "salesforce-sync"]) {
        assert.isTrue(
          updates.some((u) => u.startsWith(`${stage}: `) && u !== `${stage}: done`),
          `${stage} reported: ${updates.join(" | ")}`,
        )
        assert.include(updates, `${stage}: done`)
      }
      assert.match(updates.find((u) => u.startsWith("extract: ")) ?? "", /^extract: \d+ pages, \d+ records \(/)
    }),
  )
})
