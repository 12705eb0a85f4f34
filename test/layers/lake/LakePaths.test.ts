import { Effect } from "effect"
import { isStagingPath, lakePrefix, stagingPath } from "../../../src/layers/lake/LakePaths.js"
import { assert, describe, it } from "../../support/vitest.js"

describe("lake paths", () => {
  it.effect("names the staging file of a put after its target, hidden, and recognises it", () =>
    Effect.sync(() => {
      const staging = stagingPath("reverse_etl/week_start=2019-12-01/events.parquet", "1a2b3c4d")
      assert.strictEqual(staging, "reverse_etl/week_start=2019-12-01/.events.parquet.tmp-1a2b3c4d")
      assert.isTrue(isStagingPath(staging))
      assert.isTrue(isStagingPath(stagingPath("top.bin", "x1")))
      assert.isFalse(isStagingPath("reverse_etl/week_start=2019-12-01/events.parquet"))
    }),
  )

  it.effect("takes '' as the whole lake and refuses a prefix that leaves it", () =>
    Effect.gen(function* () {
      assert.strictEqual(yield* lakePrefix(""), "")
      assert.strictEqual(yield* lakePrefix("a/b/"), "a/b")
      const error = yield* Effect.flip(lakePrefix("a/../b"))
      assert.include(error.message, "lake prefix")
    }),
  )
})
