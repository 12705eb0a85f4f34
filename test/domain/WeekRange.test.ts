import { Either } from "effect"
import { weeksCovering } from "../../src/domain/WeekRange.js"
import { assert, describe, it } from "../support/vitest.js"

describe("weeksCovering", () => {
  it("cuts a range into seven-day windows from its first day", () => {
    const weeks = Either.getOrThrow(weeksCovering("2019-12-01", "2019-12-20"))
    assert.deepStrictEqual(
      weeks.map((w) => w.toString()),
      ["2019-12-01..2019-12-07", "2019-12-08..2019-12-14", "2019-12-15..2019-12-21"],
    )
  })

  it("gives one week for a range inside a week", () => {
    assert.strictEqual(Either.getOrThrow(weeksCovering("2019-12-01", "2019-12-01")).length, 1)
  })

  it("refuses an inverted range, naming the flag", () => {
    const error = Either.getOrThrow(Either.flip(weeksCovering("2019-12-20", "2019-12-01")))
    assert.strictEqual(error.details.setting, "--to")
  })
})
