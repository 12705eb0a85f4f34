import fc from "fast-check"
import { EVENT_COLUMNS } from "../../src/domain/OutputRows.js"
import { anyLine, datasetLine, garbageLine, objectLine } from "./EventLineArbitraries.js"

/**
 * Lines of `raw.ndjson` written to break the transform rather than to look like a producer's:
 * wrong types in every field, `__proto__`/`constructor`/`prototype` keys carrying what a polluted
 * prototype would hand a record, nesting thousands deep, invalid UTF-8 bytes, lone surrogates,
 * NaN and Infinity in every spelling, numbers past a double's range, truncated records, CR and
 * CRLF. Lines are bytes (invalid UTF-8 cannot be a JavaScript string); none holds a `\n`.
 */

const utf8 = (text: string) => Buffer.from(text, "utf8")
const quoted = (text: string) => JSON.stringify(text)
const WEEK_TIME = quoted("2019-11-03 10:00:00 UTC")

/** What a polluted `Object.prototype` would give a record lacking the field: every one would pass. */
export const POLLUTION =
  '{"user_id":"polluted","event_time":"2019-11-02 00:00:00 UTC","event_type":"view","polluted":true}'

const nested = (depth: number, inner = "1") =>
  fc.constantFrom("[]", "{}").map((kind) => {
    if (kind === "[]") return `${"[".repeat(depth)}${inner}${"]".repeat(depth)}`
    return `${'{"a":'.repeat(depth)}${inner}${"}".repeat(depth)}`
  })

/** Depths around the limit the transform holds (256) and far past it. */
export const deepValue = fc
  .constantFrom(2, 50, 255, 256, 257, 1_000, 4_000, 20_000, 100_000)
  .chain((depth) => nested(depth))

/** Numbers in every spelling JSON allows, and the ones it does not. */
export const numberSpelling = fc.constantFrom(
  "NaN",
  "-NaN",
  "Infinity",
  "-Infinity",
  "+1",
  "01",
  "1.",
  ".5",
  "0x10",
  '"NaN"',
  '"Infinity"',
  '"-Infinity"',
  '"1e309"',
  '"1e308"',
  '" 12.5 "',
  "1e308",
  "1e309",
  "-1e309",
  "1E-400",
  "4.9e-324",
  "-0",
  "-0.0e0",
  "0.1e1",
  "123456789012345678901234567890",
  "1234567890123456789012345678901234567890e-30",
  "9007199254740993",
  "2053013555631882655",
)

/** Objects that a careless parser or merge would turn into a prototype. */
export const protoValue = fc.constantFrom(
  POLLUTION,
  `{"__proto__":${POLLUTION}}`,
  `{"prototype":${POLLUTION}}`,
  `{"constructor":{"prototype":${POLLUTION}}}`,
  '{"isLosslessNumber":true,"value":"42"}',
  '{"toString":"x","valueOf":1,"hasOwnProperty":null}',
)

const PROTO_KEYS = ["__proto__", "constructor", "prototype", "__defineGetter__", "hasOwnProperty", "toString"] as const

/** Strings JavaScript can hold but UTF-8 cannot: lone surrogates, escaped as JSON writes them. */
const loneSurrogate = fc.constantFrom('"\\ud800"', '"\\udfff"', '"a\\ud83d"', '"\\ude00b"', '"\\ud800\\ud800"')

/** Bytes that are not UTF-8: stray continuation bytes, overlong forms, encoded surrogates, cut sequences. */
export const invalidUtf8 = fc.constantFrom(
  [0xff],
  [0x80],
  [0xc0, 0x80],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xe2, 0x82],
  [0xf0, 0x9f, 0x98],
  [0xfe, 0xfe, 0xff],
)

/** Any value a field could be sent as, mostly wrong. */
export const hostileToken: fc.Arbitrary<string> = fc.oneof(
  numberSpelling,
  protoValue,
  loneSurrogate,
  fc.constantFrom("true", "false", "null", "[]", "{}", '[""]', '{"value":"1"}', '"\\u0000"', '"\\"', "", '"'),
  fc.integer({ min: 1, max: 40 }).chain((depth) => nested(depth, WEEK_TIME)),
)

/** The record's own fields, in the dataset's order. */
const FIELD_NAMES = EVENT_COLUMNS.slice(0, 9) as ReadonlyArray<(typeof EVENT_COLUMNS)[number]>

const plausible: Partial<Record<(typeof EVENT_COLUMNS)[number], string>> = {
  event_time: WEEK_TIME,
  event_type: '"view"',
  product_id: "1004856",
  category_id: "2053013555631882655",
  category_code: '"electronics.smartphone"',
  brand: '"samsung"',
  price: "130.76",
  user_id: "543272936",
  user_session: '"6f1e6d6c-8b8a-4c53-9f4e-0d0b0d7a8a1c"',
}

/** A record whose fields are plausible but for a few, which hold anything; maybe a prototype key beside them. */
const wrongTypes = fc
  .record({
    broken: fc.uniqueArray(fc.constantFrom(...FIELD_NAMES), { minLength: 1, maxLength: 4 }),
    tokens: fc.array(hostileToken, { minLength: 4, maxLength: 4 }),
    proto: fc.option(fc.tuple(fc.constantFrom(...PROTO_KEYS), fc.oneof(protoValue, hostileToken)), { freq: 2 }),
    protoFirst: fc.boolean(),
  })
  .map(({ broken, tokens, proto, protoFirst }) => {
    const fields = FIELD_NAMES.map((name) => {
      const i = broken.indexOf(name)
      return `${quoted(name)}:${i < 0 ? plausible[name] : tokens[i]}`
    })
    if (proto !== null) {
      const member = `${quoted(proto[0])}:${proto[1]}`
      if (protoFirst) fields.unshift(member)
      else fields.push(member)
    }
    return `{${fields.join(",")}}`
  })

/** A valid record missing a field, beside a prototype key that would supply it if it polluted anything. */
const protoRecord = fc
  .record({
    key: fc.constantFrom(...PROTO_KEYS),
    value: protoValue,
    missing: fc.constantFrom("user_id", "event_type", "event_time"),
  })
  .map(({ key, value, missing }) => {
    const fields = FIELD_NAMES.filter((name) => name !== missing).map((name) => `${quoted(name)}:${plausible[name]}`)
    return `{${quoted(key)}:${value},${fields.join(",")}}`
  })

const deepRecord = fc
  .record({ where: fc.constantFrom("line", "extra", "user_id", "price", "event_time"), value: deepValue })
  .map(({ where, value }) => {
    if (where === "line") return value
    const fields = FIELD_NAMES.filter((name) => name !== where).map((name) => `${quoted(name)}:${plausible[name]}`)
    return `{${fields.join(",")},${quoted(where)}:${value}}`
  })

/** A text line with invalid UTF-8 spliced in somewhere: inside a string value, between tokens, anywhere. */
const withInvalidUtf8 = fc
  .record({ line: fc.oneof(datasetLine, objectLine), bytes: invalidUtf8, at: fc.nat() })
  .map(({ line, bytes, at }) => {
    const text = utf8(line)
    const cut = at % (text.length + 1)
    return Buffer.concat([text.subarray(0, cut), Buffer.from(bytes), text.subarray(cut)])
  })

/** A valid record with a raw invalid sequence inside its brand: it must stay whole, U+FFFD in place of the bytes. */
const invalidUtf8InValue = invalidUtf8.map((bytes) =>
  Buffer.concat([
    utf8(`{"event_time":${WEEK_TIME},"event_type":"view","user_id":"u-bytes","brand":"a`),
    Buffer.from(bytes),
    utf8('b"}'),
  ]),
)

const truncated = fc
  .record({ line: fc.oneof(datasetLine, objectLine, wrongTypes), keep: fc.double({ min: 0, max: 1, noNaN: true }) })
  .map(({ line, keep }) => line.slice(0, Math.floor(line.length * keep)))

/** One hostile line as bytes (no `\n`; a `\r` may end it or sit inside it). */
export const hostileLine: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 3, arbitrary: anyLine.map(utf8) },
  { weight: 4, arbitrary: wrongTypes.map(utf8) },
  { weight: 3, arbitrary: protoRecord.map(utf8) },
  { weight: 2, arbitrary: deepRecord.map(utf8) },
  { weight: 2, arbitrary: withInvalidUtf8 },
  { weight: 1, arbitrary: invalidUtf8InValue },
  { weight: 2, arbitrary: truncated.map(utf8) },
  { weight: 1, arbitrary: garbageLine.map(utf8) },
  { weight: 1, arbitrary: fc.constantFrom("", "\r", " ", "\t", "\u2028", "\ufeff{}", "\r{}").map(utf8) },
)

/** How a line ends in the file: LF, CRLF, or (the last line only) not at all. */
export const lineEnding = fc.constantFrom("\n", "\n", "\r\n")

/** A record carrying a string of `bytes` bytes, in one of the fields or beside them. */
export const hugeLine = (bytes: number): fc.Arbitrary<Uint8Array> =>
  fc
    .record({
      where: fc.constantFrom("user_id", "brand", "extra", "garbage", "event_type"),
      char: fc.constantFrom("x", "é", "€", "\\u00e9", "\\\\"),
    })
    .map(({ where, char }) => {
      const unit = utf8(char).length
      const body = char.repeat(Math.ceil(bytes / unit))
      if (where === "garbage") return utf8(`{"user_id":"${body}`)
      const fields = FIELD_NAMES.filter((name) => name !== where).map((name) => `${quoted(name)}:${plausible[name]}`)
      return utf8(`{${fields.join(",")},${quoted(where)}:"${body}"}`)
    })
