import { Duration } from "effect"
import { parseRetryAfter } from "../../../src/layers/events-api/RetryAfter.js"
import { assert, describe, it } from "../../support/vitest.js"

describe("parseRetryAfter", () => {
  const now = Date.parse("2019-12-02T10:00:00Z")
  const ms = (header: string | undefined) => {
    const d = parseRetryAfter(header, now)
    return d === undefined ? undefined : Duration.toMillis(d)
  }

  it("reads seconds and HTTP dates, and caps either at five minutes", () => {
    assert.strictEqual(ms("3"), 3_000)
    assert.strictEqual(ms(" 1.5 "), 1_500)
    assert.strictEqual(ms("Mon, 02 Dec 2019 10:00:12 GMT"), 12_000)
    assert.strictEqual(ms("Mon, 02 Dec 2019 09:59:00 GMT"), 0, "a date in the past means now")
    assert.strictEqual(ms("86400"), 300_000)
    assert.strictEqual(ms("soon"), undefined)
    assert.strictEqual(ms(undefined), undefined)
  })
})
