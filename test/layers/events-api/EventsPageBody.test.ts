import fc from "fast-check"
import { scanEventsBody } from "../../../src/layers/events-api/EventsPageBody.js"
import { assert, describe, it } from "../../support/vitest.js"

const bytes = (text: string) => new TextEncoder().encode(text)
const lines = (text: string) => {
  const scanned = scanEventsBody(bytes(text))
  if ("problem" in scanned) assert.fail(scanned.problem)
  const ndjson = new TextDecoder().decode(scanned.ndjson)
  return { ...scanned, lines: ndjson === "" ? [] : ndjson.slice(0, -1).split("\n"), ndjson }
}
const problem = (text: string) => {
  const scanned = scanEventsBody(bytes(text))
  if (!("problem" in scanned)) assert.fail(`expected a problem with ${text}`)
  return scanned.problem
}

const RECORD = '{"event_time":"2019-12-01 00:00:03 UTC","category_id":2053013555631882655,"price":130.760}'

describe("scanEventsBody", () => {
  it("takes the records of a bare array, byte for byte", () => {
    const result = lines(`[${RECORD},${RECORD}]`)
    assert.deepStrictEqual(result.lines, [RECORD, RECORD])
    assert.strictEqual(result.records, 2)
    assert.strictEqual(result.total, undefined)
    assert.strictEqual(result.ndjson, `${RECORD}\n${RECORD}\n`)
  })

  it("takes them from under data, events, results or items, wherever the key sits", () => {
    for (const key of ["data", "events", "results", "items"]) {
      const result = lines(`{"status":"ok","${key}":[${RECORD}],"links":{"next":"?page=2"}}`)
      assert.deepStrictEqual(result.lines, [RECORD], key)
    }
  })

  it("reads the total from meta, metadata, pagination or the top level", () => {
    assert.strictEqual(lines(`{"data":[],"meta":{"page":1,"page_size":1000,"total":15234}}`).total, 15234)
    assert.strictEqual(lines(`{"meta":{"total_count":"42"},"items":[]}`).total, 42)
    assert.strictEqual(lines(`{"results":[],"pagination":{"totalCount":7}}`).total, 7)
    assert.strictEqual(lines(`{"events":[],"total":3}`).total, 3)
    assert.strictEqual(lines(`{"events":[],"total":-3}`).total, undefined, "a negative total is no total")
    assert.strictEqual(lines(`{"events":[],"meta":{"count":3}}`).total, undefined)
  })

  it("keeps a 19-digit id and a trailing-zero price exactly as sent", () => {
    const [line] = lines(`[${RECORD}]`).lines
    assert.include(line, '"category_id":2053013555631882655')
    assert.include(line, '"price":130.760')
    assert.notStrictEqual(String(JSON.parse(line as string).category_id), "2053013555631882655")
  })

  it("puts a pretty-printed record on one line, leaving the inside of strings alone", () => {
    const body = '{\n  "data": [\n    {\n      "brand": "a b\\n c",\n      "tags": [ 1, 2 ]\n    },\n    7\n  ]\n}\n'
    assert.deepStrictEqual(lines(body).lines, ['{"brand":"a b\\n c","tags":[1,2]}', "7"])
  })

  it("compacts a record whose only line break comes before a nested array", () => {
    assert.deepStrictEqual(lines('[{"a":\n[1,2]},{"b":[[3],\r\n4]}]').lines, ['{"a":[1,2]}', '{"b":[[3],4]}'])
  })

  it("is not fooled by brackets, commas and escaped quotes inside strings", () => {
    const record = '{"brand":"a],[\\"b\\"}{","code":"\\u005d"}'
    assert.deepStrictEqual(lines(`{"data":[${record},{"x":"]"}]}`).lines, [record, '{"x":"]"}'])
  })

  it("keeps non-ASCII text byte for byte", () => {
    const record = '{"brand":"café ☕ 𝄞"}'
    assert.deepStrictEqual(lines(`\uFEFF[${record}]`).lines, [record])
  })

  it("answers an empty page for an empty array", () => {
    assert.deepStrictEqual(lines("[]").lines, [])
    assert.deepStrictEqual(lines('{"data": [ ] }').ndjson, "")
  })

  it("refuses what is not valid JSON, saying where", () => {
    assert.match(problem(`[${RECORD}`), /not valid JSON: expected ',' or '\]' at byte/)
    assert.match(problem(`[${RECORD}] x`), /unexpected data after the JSON value/)
    assert.match(problem('["a\nb"]'), /control character in a string/)
    assert.match(problem('[{"a":01}]'), /not valid JSON/)
    assert.match(problem('[{"a":tru}]'), /unexpected token/)
    assert.match(problem('[{"a" 1}]'), /expected ':'/)
    assert.match(problem('["\\x"]'), /bad escape/)
    assert.match(problem(""), /expected a JSON array or object/)
    assert.match(problem("[1,]"), /unexpected byte/)
  })

  it("refuses an object with no records array, naming the keys it looks for", () => {
    assert.strictEqual(
      problem('{"error":"oops","data":{"rows":[]}}'),
      "the body holds no records array (a JSON array, or one under data, events, results, items)",
    )
  })

  it("gives back every element of any JSON array, one a line, equal to what was sent", () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue()), fc.constantFrom(undefined, 2), (values, indent) => {
        const result = lines(JSON.stringify({ items: values }, null, indent))
        assert.strictEqual(result.records, values.length)
        assert.deepStrictEqual(
          result.lines.map((line) => JSON.parse(line)),
          values.map((v) => JSON.parse(JSON.stringify(v))),
        )
        for (const line of result.lines) assert.notInclude(line, "\n")
      }),
      { numRuns: 200 },
    )
  })
})
