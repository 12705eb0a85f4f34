import { Either } from "effect"
import { parse } from "lossless-json"
import { decodeEventRecord, type EventRecord, type FieldError } from "../../src/domain/EventRecord.js"
import { formatMicros, parseEventTime } from "../../src/domain/EventTime.js"
import { assert, describe, it } from "../support/vitest.js"

const base = {
  event_time: "2019-11-01 00:00:03 UTC",
  event_type: "view",
  product_id: 1004856,
  category_id: 2053013555631882655n.toString(),
  category_code: "electronics.smartphone",
  brand: "samsung",
  price: 130.76,
  user_id: 543272936,
  user_session: "6f1e6d6c-8b8a-4c53-9f4e-0d0b0d7a8a1c",
}

const valid = (input: unknown): EventRecord => {
  const result = decodeEventRecord(input)
  if (Either.isLeft(result)) assert.fail(`expected valid, got ${JSON.stringify(result.left)}`)
  return result.right
}

const invalid = (input: unknown): ReadonlyArray<FieldError> => {
  const result = decodeEventRecord(input)
  if (Either.isRight(result)) assert.fail(`expected a reject, got ${JSON.stringify(result.right)}`)
  return result.left
}

const iso = (record: EventRecord) => formatMicros(record.event_time)

describe("EventRecord", () => {
  it("decodes the dataset's shape", () => {
    const record = valid(base)
    assert.deepStrictEqual(record, {
      event_time: Date.UTC(2019, 10, 1, 0, 0, 3) * 1000,
      event_type: "view",
      product_id: "1004856",
      category_id: "2053013555631882655",
      category_code: "electronics.smartphone",
      brand: "samsung",
      price: 130.76,
      user_id: "543272936",
      user_session: "6f1e6d6c-8b8a-4c53-9f4e-0d0b0d7a8a1c",
    })
  })

  it("keeps a 19-digit category_id exactly as the source wrote it", () => {
    const line =
      '{"event_time":"2019-11-01 00:00:03 UTC","event_type":"view","category_id":2053013555631882655,"user_id":1}'
    assert.notStrictEqual(String(JSON.parse(line).category_id), "2053013555631882655") // what a plain parser keeps
    assert.strictEqual(valid(parse(line)).category_id, "2053013555631882655")
    assert.strictEqual(valid(parse(line)).user_id, "1")
  })

  it("keeps ids written with leading zeros or exponents as their text", () => {
    const record = valid(
      parse('{"event_time":"2019-11-01T00:00:00Z","event_type":"cart","product_id":1e3,"user_id":"007"}'),
    )
    assert.strictEqual(record.product_id, "1e3")
    assert.strictEqual(record.user_id, "007")
  })

  describe("event_time", () => {
    it("reads the dataset's ' UTC' form", () => {
      assert.strictEqual(iso(valid({ ...base, event_time: "2019-11-01 00:00:03 UTC" })), "2019-11-01T00:00:03.000000Z")
    })
    it("reads ISO-8601 with Z", () => {
      assert.strictEqual(iso(valid({ ...base, event_time: "2019-11-01T00:00:03Z" })), "2019-11-01T00:00:03.000000Z")
    })
    it("converts offsets to UTC", () => {
      assert.strictEqual(
        iso(valid({ ...base, event_time: "2019-11-01T02:30:03+02:30" })),
        "2019-11-01T00:00:03.000000Z",
      )
      assert.strictEqual(iso(valid({ ...base, event_time: "2019-10-31T19:00:03-0500" })), "2019-11-01T00:00:03.000000Z")
      assert.strictEqual(iso(valid({ ...base, event_time: "2019-11-01T05:00:03+05" })), "2019-11-01T00:00:03.000000Z")
    })
    it("takes a timestamp with no zone as UTC, whatever the host's zone", () => {
      assert.strictEqual(iso(valid({ ...base, event_time: "2019-11-01T00:00:03" })), "2019-11-01T00:00:03.000000Z")
      assert.strictEqual(iso(valid({ ...base, event_time: "2019-11-01 00:00:03" })), "2019-11-01T00:00:03.000000Z")
    })
    it("keeps microseconds and truncates finer digits", () => {
      assert.strictEqual(
        iso(valid({ ...base, event_time: "2019-11-01T00:00:03.123456789Z" })),
        "2019-11-01T00:00:03.123456Z",
      )
      assert.strictEqual(iso(valid({ ...base, event_time: "2019-11-01T00:00:03.5Z" })), "2019-11-01T00:00:03.500000Z")
    })
    it("rejects what is not a timestamp, naming the field and the value", () => {
      for (const bad of ["yesterday", "2019-13-01 00:00:00 UTC", "2019-02-30T00:00:00Z", "2019-11-01T25:00:00Z", ""]) {
        const errors = invalid({ ...base, event_time: bad })
        assert.strictEqual(errors[0]?.path, "event_time")
        assert.include(errors[0]?.message, "event_time is not a timestamp")
      }
    })
    it("rejects a missing or non-string event_time", () => {
      assert.strictEqual(invalid({ ...base, event_time: undefined })[0]?.path, "event_time")
      assert.strictEqual(invalid({ ...base, event_time: 1572566403 })[0]?.path, "event_time")
    })
    it("parses leap days only in leap years", () => {
      assert.isDefined(parseEventTime("2020-02-29T00:00:00Z"))
      assert.isUndefined(parseEventTime("2019-02-29T00:00:00Z"))
    })
  })

  describe("event_type", () => {
    it("is trimmed and lower-cased", () => {
      assert.strictEqual(valid({ ...base, event_type: "  Remove_From_Cart " }).event_type, "remove_from_cart")
    })
    it("must not be empty", () => {
      const errors = invalid({ ...base, event_type: "   " })
      assert.deepStrictEqual(
        errors.map((e) => e.path),
        ["event_type"],
      )
      assert.include(errors[0]?.message, "event_type must not be empty")
    })
  })

  describe("user_id", () => {
    it("is required", () => {
      const { user_id: _, ...rest } = base
      assert.deepStrictEqual(invalid(rest), [{ path: "user_id", message: "user_id is required" }])
    })
    it("must not be blank or null", () => {
      assert.include(invalid({ ...base, user_id: "  " })[0]?.message, "user_id must not be empty")
      assert.strictEqual(invalid({ ...base, user_id: null })[0]?.message, "user_id is required")
      assert.strictEqual(
        invalid({ ...base, user_id: true })[0]?.message,
        "user_id must be a string or a number, got true",
      )
    })
    it("turns numbers into strings and trims strings", () => {
      assert.strictEqual(valid({ ...base, user_id: 42 }).user_id, "42")
      assert.strictEqual(valid({ ...base, user_id: " 42 " }).user_id, "42")
    })
  })

  describe("optional fields", () => {
    it("turn missing, null and blank into null", () => {
      const record = valid({
        event_time: base.event_time,
        event_type: "view",
        user_id: 1,
        category_code: "",
        brand: "   ",
        product_id: null,
        user_session: null,
      })
      assert.deepStrictEqual(
        [record.product_id, record.category_id, record.category_code, record.brand, record.price, record.user_session],
        [null, null, null, null, null, null],
      )
    })
    it("are trimmed", () => {
      const record = valid({ ...base, brand: "  apple ", category_code: " a.b ", user_session: " s " })
      assert.deepStrictEqual([record.brand, record.category_code, record.user_session], ["apple", "a.b", "s"])
    })
    it("reject non-string text fields", () => {
      assert.deepStrictEqual(invalid({ ...base, brand: 5 }), [
        { path: "brand", message: "brand must be a string, got 5" },
      ])
    })
  })

  describe("price", () => {
    it("accepts numbers and numeric strings", () => {
      assert.strictEqual(valid({ ...base, price: 0 }).price, 0)
      assert.strictEqual(valid({ ...base, price: "12.50" }).price, 12.5)
      assert.strictEqual(valid({ ...base, price: " 1e2 " }).price, 100)
      assert.strictEqual(
        valid(parse('{"event_time":"2019-11-01T00:00:00Z","event_type":"view","user_id":1,"price":1100.28}')).price,
        1100.28,
      )
    })
    it("must not be negative", () => {
      assert.deepStrictEqual(invalid({ ...base, price: -0.01 }), [
        { path: "price", message: "price must be >= 0, got -0.01" },
      ])
      assert.strictEqual(invalid({ ...base, price: "-5" })[0]?.path, "price")
    })
    it("must be a number", () => {
      for (const bad of ["abc", "", "0x10", "Infinity", "NaN", true, {}]) {
        const errors = invalid({ ...base, price: bad })
        assert.deepStrictEqual(
          errors.map((e) => e.path),
          ["price"],
          `price ${JSON.stringify(bad)}`,
        )
        assert.include(errors[0]?.message, "price must be a finite number")
      }
    })
  })

  it("ignores unknown fields", () => {
    assert.isFalse("extra" in valid({ ...base, extra: { nested: [1, 2] } }))
  })

  it("lists every problem of a record at once", () => {
    const errors = invalid({ event_time: "never", event_type: "", price: -1 })
    assert.deepStrictEqual(errors.map((e) => e.path).sort(), ["event_time", "event_type", "price", "user_id"])
  })

  it("rejects what is not an object", () => {
    for (const bad of [null, 42, "text", [base]]) {
      const errors = invalid(bad)
      assert.isAbove(errors.length, 0)
    }
  })

  it("quotes a long offending value cut short", () => {
    const [error] = invalid({ ...base, price: "9".repeat(5000) })
    assert.strictEqual(error?.message, `price must be a finite number, got "${"9".repeat(119)}… (5002 characters)`)
  })

  it("says what it got instead of an object", () => {
    const said = (input: unknown) => invalid(input).map((e) => `${e.path}|${e.message}`)
    assert.deepStrictEqual(said(null), ["|a record must be a JSON object, got null"])
    assert.deepStrictEqual(said([base]), ["|a record must be a JSON object, got an array"])
    assert.deepStrictEqual(said(parse("42")), ["|a record must be a JSON object, got the number 42"])
    assert.deepStrictEqual(said("text"), ['|a record must be a JSON object, got the string "text"'])
    assert.deepStrictEqual(said(true), ["|a record must be a JSON object, got true"])
  })
})
