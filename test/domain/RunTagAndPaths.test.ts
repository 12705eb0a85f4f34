import { Either } from "effect"
import { validateLakePath } from "../../src/domain/LakePath.js"
import { safeRunTag } from "../../src/domain/RunTag.js"
import { assert, describe, it } from "../support/vitest.js"

describe("safeRunTag", () => {
  it("keeps a tag that is already safe", () => {
    assert.strictEqual(safeRunTag("scheduled_2019-12-01"), "scheduled_2019-12-01")
  })

  it("makes Airflow's run ids safe and keeps them apart", () => {
    const a = safeRunTag("manual__2019-12-01T00:00:00+00:00")
    const b = safeRunTag("manual__2019-12-01T00_00_00_00_00")
    assert.match(a, /^[A-Za-z0-9_-]+$/)
    assert.notStrictEqual(a, b)
  })

  it("never lets a tag leave its directory", () => {
    for (const hostile of ["../../x", "/etc/passwd", "a/../../b", "..", ".", "x\u0000y", "", "a\\b"]) {
      const tag = safeRunTag(hostile)
      assert.match(tag, /^[A-Za-z0-9_-]+$/, `${JSON.stringify(hostile)} → ${tag}`)
    }
  })
})

describe("validateLakePath", () => {
  it("accepts relative Hive-style paths", () => {
    assert.isTrue(Either.isRight(validateLakePath("reverse_etl/raw_events/week_start=2019-12-01/events.parquet")))
  })

  it("refuses paths that try to escape", () => {
    for (const hostile of ["../x", "a/../../b", "/abs/path", "a//b", "a/./b", "a\u0000b", "C:/x", "a\\b", ""]) {
      assert.isTrue(Either.isLeft(validateLakePath(hostile)), JSON.stringify(hostile))
    }
  })
})
