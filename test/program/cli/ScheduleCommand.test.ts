import { Deferred, Effect, Fiber } from "effect"
import { eventually } from "../../support/ecomApi.js"
import { makeHarness } from "../../support/PipelineHarness.js"
import { assert, describe, it } from "../../support/vitest.js"

const waitFor = (check: () => boolean, what: string) => eventually(what, check)

describe("schedule", () => {
  it.scopedLive("runs the checkpointed week on its cron and stops after the current stage when interrupted", () =>
    Effect.gen(function* () {
      // The second week's page waits for the test: the interruption lands mid-extract, by construction.
      const gate = yield* Deferred.make<void>()
      const h = yield* makeHarness({
        data: { eventsPerWeek: 400 },
        pageWait: (week) => (week.start === "2019-12-08" ? Deferred.await(gate) : Effect.void),
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
      // The interruption reaches the scheduler's fiber before the page answers: the signal is in
      // its mailbox (synchronously) ahead of anything the opened gate resumes.
      fiber.unsafeInterruptAsFork(yield* Effect.fiberId)
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.await(fiber)
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
