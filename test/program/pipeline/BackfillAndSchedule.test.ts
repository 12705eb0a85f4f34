import { Effect, Exit, Fiber } from "effect"
import { ApiResponseError } from "../../../src/domain/Errors.js"
import { makeHarness } from "../../support/PipelineHarness.js"
import { assert, describe, it } from "../../support/vitest.js"

const waitFor = (check: () => boolean, what: string) =>
  Effect.gen(function* () {
    for (let i = 0; i < 400; i++) {
      if (check()) return
      yield* Effect.sleep("25 millis")
    }
    return yield* Effect.dieMessage(`timed out waiting for ${what}`)
  })

describe("backfill", () => {
  it.scoped("runs every week of the range, two at a time, then skips them all the second time", () =>
    Effect.gen(function* () {
      const h = yield* makeHarness({ data: { eventsPerWeek: 600 } })
      const first = yield* h.cli(["backfill", "--from", "2019-12-01", "--to", "2019-12-20", "--concurrency", "2"])
      assert.isTrue(Exit.isSuccess(first.exit), first.stdout)
      const table = first.stdout.split("\n")
      assert.match(table[0] ?? "", /^week\s+status\s+fetched/)
      for (const week of ["2019-12-01..2019-12-07", "2019-12-08..2019-12-14", "2019-12-15..2019-12-21"]) {
        assert.match(first.stdout, new RegExp(`${week.replaceAll(".", "\\.")}\\s+SUCCESS_WITH_REJECTS\\s+600`))
      }
      assert.include(first.stdout, "3 week(s): 3 ok, 0 failed")
      const loaded = yield* h.query<{ week: string; n: number }>(
        "SELECT batch_week_start AS week, COUNT(*) AS n FROM ecom_events GROUP BY batch_week_start ORDER BY 1",
      )
      assert.deepStrictEqual(
        loaded.map((r) => r.week),
        ["2019-12-01", "2019-12-08", "2019-12-15"],
      )
      const again = yield* h.cli(["backfill", "--from", "2019-12-01", "--to", "2019-12-20", "--concurrency", "2"])
      assert.strictEqual(again.stdout.match(/SKIPPED/g)?.length, 3)
    }),
  )

  it.scoped("goes on past a failed week, reports it, and exits with its error", () =>
    Effect.gen(function* () {
      const h = yield* makeHarness({
        data: { eventsPerWeek: 300 },
        page: (week) =>
          week.start === "2019-12-08"
            ? new ApiResponseError({ message: "503 after 3 attempts", details: {} })
            : undefined,
      })
      const result = yield* h.cli(["backfill", "--from", "2019-12-01", "--to", "2019-12-15"])
      assert.isTrue(Exit.isFailure(result.exit))
      assert.match(result.stdout, /2019-12-08\.\.2019-12-14\s+FAILED.*ApiResponseError: 503 after 3 attempts/)
      assert.match(result.stdout, /2019-12-15\.\.2019-12-21\s+SUCCESS/)
      assert.include(result.stdout, "3 week(s): 2 ok, 1 failed")
    }),
  )
})

describe("schedule", () => {
  it.scopedLive("runs the checkpointed week on its cron and stops after the current stage when interrupted", () =>
    Effect.gen(function* () {
      const h = yield* makeHarness({
        data: { eventsPerWeek: 400 },
        pageDelayMs: (week) => (week.start === "2019-12-08" ? 300 : 0),
      })
      const settings = { WEEK_START: "2019-12-01", WEEK_END: "2019-12-07" }
      const fiber = yield* Effect.fork(h.cli(["schedule", "--cron", "* * * * * *"], settings))
      yield* waitFor(() => h.logs.some((l) => l.message === "Run finished"), "the first scheduled run")
      yield* waitFor(() => h.logs.filter((l) => l.message === "Next run scheduled").length >= 2, "the next schedule")
      const runs = yield* h.query<{ week_start: string; status: string }>(
        "SELECT week_start, status FROM pipeline_run ORDER BY started_at",
      )
      assert.deepStrictEqual({ ...runs[0] }, { week_start: "2019-12-01", status: "SUCCESS_WITH_REJECTS" })

      // Interrupt the second run in the middle of its extract: extract finishes, nothing after it starts.
      yield* waitFor(
        () => h.logs.some((l) => l.message === "extract started" && l.week_start === "2019-12-08"),
        "run 2",
      )
      yield* Fiber.interrupt(fiber)
      const second = yield* h.query<{ run_id: string; status: string; error_type: string }>(
        "SELECT run_id, status, error_type FROM pipeline_run WHERE week_start = '2019-12-08'",
      )
      assert.deepStrictEqual(
        { status: second[0]?.status, error_type: second[0]?.error_type },
        {
          status: "FAILED",
          error_type: "Interrupted",
        },
      )
      const stages = yield* h.query<{ stage: string; status: string }>(
        `SELECT stage, status FROM pipeline_stage WHERE run_id = '${second[0]?.run_id}'`,
      )
      assert.deepStrictEqual(stages, [{ stage: "extract", status: "SUCCESS" }])
      assert.isTrue(h.logs.some((l) => l.message === "Scheduler stopped"))
    }),
  )
})
