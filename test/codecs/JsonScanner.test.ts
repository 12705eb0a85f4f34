import fc from "fast-check"
import { FlatJsonObject } from "../../src/codecs/FlatJsonObject.js"
import { JsonScanner, MAX_NESTING } from "../../src/codecs/JsonScanner.js"
import { JsonSyntaxError, JsonWalk } from "../../src/codecs/JsonWalk.js"
import { ABSENT, NULL, NUMBER, STRING } from "../../src/domain/EventFields.js"
import { assert, describe, it } from "../support/vitest.js"

const bytes = (text: string) => new TextEncoder().encode(text)
const json = new JsonScanner()

/** Whether the walk takes `text` as one whole JSON value. */
const walks = (text: string): boolean => {
  const walk = new JsonWalk(bytes(text))
  try {
    walk.ws()
    walk.value(0)
    walk.ws()
    return walk.pos === walk.b.length
  } catch (error) {
    if (error instanceof JsonSyntaxError) return false
    throw error
  }
}

const parses = (text: string): boolean => {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

/** Texts near JSON: JSON itself, JSON with a character dropped or added, and JSON-ish soup. */
const nearJson = fc.oneof(
  fc.json(),
  fc
    .tuple(fc.json(), fc.nat(), fc.constantFrom("", '"', "\\", ",", "]", "}", "0", "-", ".", "e", "\u0001", "é", " "))
    .map(([text, at, insert]) => {
      const i = at % (text.length + 1)
      return `${text.slice(0, i)}${insert}${text.slice(i + (insert === "" ? 1 : 0))}`
    }),
  fc
    .array(fc.constantFrom(...'{}[],:"\\01-.eE+tfrualsn \n\tx\u0001é'.split("")), { maxLength: 30 })
    .map((chars) => chars.join("")),
)

describe("the JSON byte scanner", () => {
  it("walks exactly the texts JSON.parse accepts", () => {
    fc.assert(
      fc.property(nearJson, (text) => assert.strictEqual(walks(text), parses(text), text)),
      { numRuns: 5000 },
    )
  })

  it("finds a plain string's end only when its bytes are its text", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: "binary" }),
          fc.string({ unit: fc.constantFrom("a", " ", "\x7f", '"', "\\", "é", "\u0001") }),
        ),
        (text) => {
          const token = bytes(JSON.stringify(text))
          const end = json.plainStringEnd(token, 0, token.length)
          const plain = /^[\x20-\x7f]*$/.test(text) && !/["\\]/.test(text)
          assert.strictEqual(end, plain ? token.length : -1, text)
        },
      ),
      { numRuns: 2000 },
    )
  })

  it("tells nesting too deep apart, brackets in strings aside", () => {
    const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`
    const deeper = (text: string) => {
      const b = bytes(text)
      return json.nestsDeeperThan(b, 0, b.length, MAX_NESTING)
    }
    assert.isFalse(deeper(nested(MAX_NESTING)))
    assert.isTrue(deeper(nested(MAX_NESTING + 1)))
    assert.isFalse(deeper(`[${JSON.stringify(`\\"${"[".repeat(MAX_NESTING + 1)}`)}]`))
    assert.isTrue(deeper(`"\\\\"${"{".repeat(MAX_NESTING + 1)}`), "an escaped backslash does not escape the quote")
    assert.isFalse(deeper(`"\\"${"{".repeat(MAX_NESTING + 1)}`), "an escaped quote does not end the string")
  })

  it("reads an object of known keys into slots, steps over other members, and declines any other shape", () => {
    const object = new FlatJsonObject(["a", "b", "c"])
    const text = ' { "b" : -1.5e3 ,"a":"  x y ", "c":null } '
    const b = bytes(text)
    assert.isTrue(object.read(b, 0, b.length))
    assert.deepStrictEqual(
      [0, 1, 2].map((k) => [object.kinds[k], text.slice(object.starts[k], object.ends[k])]),
      [
        [STRING, "  x y "],
        [NUMBER, "-1.5e3"],
        [NULL, text.slice(object.starts[2], object.ends[2])],
      ],
    )
    const names = (n: number) => Array.from({ length: n }, (_, i) => `"d${i}":0`).join(",")
    const nested = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`
    for (const skipped of [
      '{"d":1,"a":"x"}',
      '{"d":{"e":[1,{"e":"\\u00e9"}],"f":"é"},"a":"x","g":true}',
      '{"d":{"e":1},"e":2,"a":"x"}',
      `{${names(64)},"a":"x"}`,
      `{"a":"x","d":${nested(255)}}`,
    ]) {
      const o = bytes(skipped)
      assert.isTrue(object.read(o, 0, o.length), skipped)
      assert.deepStrictEqual([object.kinds[0], object.kinds[1], object.kinds[2]], [STRING, ABSENT, ABSENT], skipped)
    }
    for (const other of [
      '{"a":"\\u0041"}',
      '{"a":"é"}',
      '{"a":1,"a":2}',
      '{"a":[1]}',
      '{"a":true}',
      '{"a":01}',
      // A name twice in one object (a parser keeps one value, or refuses), escaped, or not ASCII.
      '{"d":1,"d":1}',
      '{"d":{"e":1,"e":1}}',
      '{"\\u0064":1}',
      '{"é":1}',
      // Broken JSON, too many names to keep, too deep.
      '{"d":[1,]}',
      '{"d":tru}',
      `{${names(65)}}`,
      `{"d":${nested(256)}}`,
    ]) {
      const o = bytes(other)
      assert.isFalse(object.read(o, 0, o.length), other)
    }
  })
})
