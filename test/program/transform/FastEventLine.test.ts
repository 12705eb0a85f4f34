import { Either } from "effect"
import fc from "fast-check"
import { eventTimeMicros, numberValue } from "../../../src/codecs/ByteScalars.js"
import { EventColumns } from "../../../src/codecs/parquet/EventColumns.js"
import { parseEventTime } from "../../../src/domain/EventTime.js"
import { decodeLine } from "../../../src/program/transform/EventLine.js"
import { decodeFast } from "../../../src/program/transform/FastEventLine.js"
import { anyLine, datasetLine, objectLine } from "../../support/EventLineArbitraries.js"
import { assert, describe, it } from "../../support/vitest.js"
import { WEEK } from "../../support/WeekFixture.js"

const encoder = new TextEncoder()

/** What the fast path makes of `line`: the record it decoded, or `undefined` when it left the line alone. */
const fast = (line: string) => {
  const bytes = encoder.encode(line)
  const columns = new EventColumns(1)
  const taken = decodeFast(bytes, 0, bytes.length, columns, WEEK.startMicros, WEEK.endExclusiveMicros)
  assert.strictEqual(columns.length, taken ? 1 : 0, "a line left alone writes nothing")
  return taken ? columns.row(0) : undefined
}

/** The exact path on the text the stage would read back from the line's bytes. */
const exact = (line: string) => decodeLine(Buffer.from(line, "utf8").toString("utf8"), WEEK)

/** Equal, `-0` and `0` told apart (Parquet writes them apart). */
const same = (a: unknown, b: unknown) => assert.isTrue(Object.is(a, b) || (a === b && a !== 0), `${a} vs ${b}`)

const agrees = (line: string) => {
  const decoded = fast(line)
  if (decoded === undefined) return
  const reference = exact(line)
  if (Either.isLeft(reference)) assert.fail(`the fast path took a line the Schema refuses: ${line}`)
  assert.deepStrictEqual(decoded, reference.right)
  same(decoded.price, reference.right.price)
}

describe("the fast path of validation", () => {
  it("decodes exactly what the Schema decodes, for any line, and leaves every other line alone", () => {
    fc.assert(fc.property(anyLine, agrees), { numRuns: 3000 })
  })

  it("takes the dataset's own lines (it would be no fast path otherwise)", () => {
    fc.assert(
      fc.property(datasetLine, (line) => {
        agrees(line)
        const reference = exact(line)
        if (Either.isRight(reference) && !/"View"| apparel|"u-1"|e[+-]?\d|[1-9]\d{15,}\.|\.\d{16,}/.test(line)) {
          assert.isDefined(fast(line), `valid dataset line left to the slow path: ${line}`)
        }
      }),
      { numRuns: 2000 },
    )
  })

  it("agrees with the Schema on objects with every kind of field value", () => {
    fc.assert(fc.property(objectLine, agrees), { numRuns: 3000 })
  })

  it("reads timestamps as parseEventTime does", () => {
    const stamp = fc
      .tuple(
        fc.integer({ min: 0, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 24 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 60 }),
        fc.constantFrom(" UTC", "Z", " utc", " GMT"),
        fc.constantFrom(" ", "T", "x"),
      )
      .map(([y, mo, d, h, mi, s, zone, sep]) => {
        const p = (n: number, w = 2) => String(n).padStart(w, "0")
        return `${p(y, 4)}-${p(mo)}-${p(d)}${sep}${p(h)}:${p(mi)}:${p(s)}${zone}`
      })
    fc.assert(
      fc.property(stamp, (text) => {
        const bytes = encoder.encode(text)
        assert.strictEqual(eventTimeMicros(bytes, 0, bytes.length), parseEventTime(text), text)
      }),
      { numRuns: 5000 },
    )
  })

  it("reads numbers as Number does", () => {
    const number = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
      fc
        .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 18n }), fc.nat({ max: 18 }))
        .map(([negative, n, point]) => {
          const text = n.toString()
          const at = Math.max(1, text.length - point)
          return `${negative ? "-" : ""}${text.slice(0, at)}${at < text.length ? `.${text.slice(at)}` : ""}`
        }),
    )
    fc.assert(
      fc.property(number, (text) => {
        const bytes = encoder.encode(text)
        same(numberValue(bytes, 0, bytes.length), Number(text))
      }),
      { numRuns: 5000 },
    )
  })
})
