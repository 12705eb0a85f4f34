import { Either } from "effect"
import fc from "fast-check"
import { amountTextValue, eventTimeMicros, numberValue } from "../../../src/codecs/ByteScalars.js"
import { EventColumns } from "../../../src/codecs/parquet/EventColumns.js"
import { amountOfText, EVENT_FIELDS } from "../../../src/domain/EventFields.js"
import { parseEventTime } from "../../../src/domain/EventTime.js"
import { malformedRecords, recordTexts } from "../../../src/emulators/events-api/EcomDataGenerator.js"
import { decodeLine } from "../../../src/program/transform/EventLine.js"
import { decodeFast } from "../../../src/program/transform/FastEventLine.js"
import { anyLine, objectLine } from "../../support/EventLineArbitraries.js"
import { producerLine } from "../../support/ProducerLineArbitrary.js"
import { trials } from "../../support/reliability/Tally.js"
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

const KNOWN = Object.keys(EVENT_FIELDS)
const NAME_FOLLOWS = /\s*:/y

/**
 * Whether an object in `line` names a member twice, read from the text alone: only for lines
 * without a backslash, where a string ends at the next quote and a name's text is its bytes.
 */
const repeatsAName = (line: string): boolean => {
  const objects: Array<Set<string> | null> = []
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (c === '"') {
      const close = line.indexOf('"', i + 1)
      const names = objects.at(-1)
      NAME_FOLLOWS.lastIndex = close + 1
      if (names && NAME_FOLLOWS.test(line)) {
        const name = line.slice(i + 1, close)
        if (names.has(name)) return true
        names.add(name)
      }
      i = close
    } else if (c === "{") objects.push(new Set())
    else if (c === "[") objects.push(null)
    else if (c === "}" || c === "]") objects.pop()
  }
  return false
}

/**
 * The lines the fast path is built to take, told by a model of its own: a record the Schema
 * takes, of the common shape. The rare forms it leaves to the Schema path, documented in
 * `FastEventLine` and `FlatJsonObject`, are the rest: a byte outside printable ASCII (a name or a
 * value not in ASCII, a tab between tokens), a backslash anywhere (an escape), a name twice in
 * one object (at any depth), more than 64 names, or a known field whose value is not a string,
 * a number or null.
 */
const commonShape = (line: string, reference: Either.Either<unknown, unknown>): boolean => {
  if (Either.isLeft(reference) || !/^[\x20-\x7e]*$/.test(line) || line.includes("\\") || repeatsAName(line))
    return false
  if ((line.match(/"\s*:/g) ?? []).length > 64) return false
  const record = JSON.parse(line) as Record<string, unknown>
  return KNOWN.every((name) => {
    const value = record[name]
    return value === undefined || value === null || typeof value === "string" || typeof value === "number"
  })
}

/**
 * Holds the fast path to the Schema path (`decodeLine`) on `line`, whatever it does with it: a
 * line it takes must be one the Schema takes, decoded the same (`-0` apart from `0`); a line it
 * leaves must be one the Schema refuses or of a rare form (not `commonShape`). Answers whether
 * it took the line.
 */
const judge = (line: string): boolean => {
  const decoded = fast(line)
  const reference = exact(line)
  if (decoded === undefined) {
    assert.isFalse(commonShape(line, reference), `a line of the common shape left to the Schema: ${line}`)
    return false
  }
  if (Either.isLeft(reference)) assert.fail(`the fast path took a line the Schema refuses: ${line}`)
  assert.deepStrictEqual(decoded, reference.right, line)
  same(decoded.price, reference.right.price)
  return true
}

/** Property runs: few in `npm test`, many with `RELIABILITY_MODE=long`. */
const runs = (short: number, long: number) => ({ numRuns: trials(short, long) })

describe("the fast path of validation", () => {
  it("takes 80% of the producers' lines as the Schema decodes them, and leaves only lines the Schema refuses or of a rare form", () => {
    let seen = 0
    let taken = 0
    fc.assert(
      fc.property(producerLine, (line) => {
        seen++
        if (judge(line)) taken++
      }),
      runs(500, 20_000),
    )
    // About 90% are taken: some 7% are refused by the Schema, 2% are of a rare form.
    assert.isAtLeast(taken / seen, 0.8, `the fast path took ${taken} of ${seen} lines`)
  })

  it("decodes exactly what the Schema decodes, for any line, and leaves only what it may", () => {
    fc.assert(
      fc.property(anyLine, (line) => void judge(line)),
      runs(1_000, 20_000),
    )
  })

  it("agrees with the Schema on objects with every kind of field value", () => {
    fc.assert(
      fc.property(objectLine, (line) => void judge(line)),
      runs(1_000, 20_000),
    )
  })

  it("takes every record of the emulator's week that a validator keeps, and no other", () => {
    const data = { seed: 9, eventsPerWeek: trials(3_000, 50_000), malformedPct: 5 }
    const window = { start: WEEK.start, end: WEEK.end }
    const text = recordTexts(data, window)
    // The generator's own account of what it broke, and whether a validator must refuse it.
    const refused = new Set(Array.from(malformedRecords(data, window)).flatMap((m) => (m.rejected ? [m.index] : [])))
    for (let i = 0; i < data.eventsPerWeek; i++) {
      assert.strictEqual(judge(text(i)), !refused.has(i), text(i))
    }
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
        fc.constantFrom(
          " UTC",
          "Z",
          " utc",
          " GMT",
          "+00:00",
          "-00:00",
          "+02:30",
          "-05:00",
          "+23:59",
          "+24:00",
          "+05:60",
          "+0530",
          "+05:3x",
          // A zone of one letter or digit other than Z, and others of no form the digit-by-digit
          // reader knows: parseEventTime reads some and refuses others.
          "z",
          "Q",
          "0",
          "+",
          "+05",
          "+05:30x",
          " UTC ",
          " UTCx",
        ),
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
      runs(2_000, 50_000),
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
      runs(2_000, 50_000),
    )
  })

  it("reads an amount sent as a string as amountOfText does", () => {
    const text = fc.oneof(
      fc
        .array(fc.constantFrom("0", "1", "7", "9", ".", "-", "+", "e", "E", "x"), { maxLength: 12 })
        .map((cs) => cs.join("")),
      fc.double({ noNaN: true }).map(String),
      fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.nat({ max: 20 })).map(([n, point]) => {
        const digits = n.toString()
        const at = Math.max(0, digits.length - point)
        return `${digits.slice(0, at)}.${digits.slice(at)}`
      }),
    )
    fc.assert(
      fc.property(text, (t) => {
        const bytes = encoder.encode(t)
        same(amountTextValue(bytes, 0, bytes.length), amountOfText(t))
      }),
      runs(2_000, 50_000),
    )
  })
})
