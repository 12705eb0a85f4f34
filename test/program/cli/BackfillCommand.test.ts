import { Effect, Exit } from "effect"
import { ApiResponseError } from "../../../src/domain/Errors.js"
import { makeHarness } from "../../support/PipelineHarness.js"
import { assert, describe, it } from "../../support/vitest.js"

describe("backfill", () => {
  it.scopedLive("runs every week of the range, two at a time, then skips them all the second time", () =>
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

  it.scopedLive("goes on past a failed week, reports it, and exits with its error", () =>
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
