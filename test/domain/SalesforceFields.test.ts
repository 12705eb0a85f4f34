import { Either } from "effect"
import { csvField, csvLine } from "../../src/codecs/SalesforceCsv.js"
import {
  DEFAULT_FIELD_MAPPING,
  mapRow,
  parseFieldMapping,
  plainDecimal,
  salesforceDateTime,
} from "../../src/domain/SalesforceFields.js"
import { parseRowError } from "../../src/domain/SalesforceResults.js"
import { metricsRow } from "../support/salesforce.js"
import { assert, describe, it } from "../support/vitest.js"

const mapping = (value: unknown) => parseFieldMapping(value, "External_Signal_Id__c")

describe("Salesforce CSV values", () => {
  it("quotes only what needs quoting and doubles quotes", () => {
    assert.strictEqual(csvField("plain"), "plain")
    assert.strictEqual(csvField("a,b"), '"a,b"')
    assert.strictEqual(csvField('say "hi"'), '"say ""hi"""')
    assert.strictEqual(csvField("two\nlines"), '"two\nlines"')
    assert.strictEqual(csvField("cr\rhere"), '"cr\rhere"')
    assert.strictEqual(csvField(" padded "), '" padded "')
    assert.strictEqual(csvField("Zoë 東京"), "Zoë 東京")
  })

  it("writes null as #N/A so Salesforce clears the field", () => {
    assert.strictEqual(csvLine(["x", null, "y"]), "x,#N/A,y")
  })

  it("leaves formula-like values exactly as they are", () => {
    for (const value of ["=1+2", "+44", "-3", "@me"]) assert.strictEqual(csvField(value), value)
  })
})

describe("field mapping", () => {
  it("maps every column of the default mapping, in its order", () => {
    const parsed = Either.getOrThrow(mapping(DEFAULT_FIELD_MAPPING))
    assert.strictEqual(parsed.fields.length, 14)
    assert.strictEqual(parsed.externalIdColumn, "external_signal_id")
    const values = mapRow(parsed, metricsRow(2, { first_event_at: null, purchase_revenue: 0.1 + 0.2 }))
    assert.deepStrictEqual(values, [
      "u2:2019-12-01",
      "u2",
      "2019-12-01",
      "2019-12-07",
      "12",
      "7",
      "2",
      "0",
      "2",
      "0.3",
      "3",
      "4",
      null,
      "2019-12-06T23:59:59.123Z",
    ])
  })

  it("names the problem of a bad mapping", () => {
    const message = (value: unknown) => Either.match(mapping(value), { onLeft: (e) => e.message, onRight: () => "ok" })
    assert.include(message({ nope: "X__c" }), 'SF_FIELD_MAPPING_FILE names unknown view column "nope"')
    assert.include(message({ external_signal_id: "not a field" }), "is not a Salesforce field API name")
    assert.include(
      message({ external_signal_id: "External_Signal_Id__c", user_id: "external_signal_id__c" }),
      "maps two columns",
    )
    assert.include(
      message({ user_id: "Customer_Id__c" }),
      "maps no column to the external id field External_Signal_Id__c",
    )
    assert.include(message([]), "must hold a JSON object")
  })

  it("writes decimals without float noise or exponents, datetimes with milliseconds", () => {
    assert.strictEqual(plainDecimal(19.99), "19.99")
    assert.strictEqual(plainDecimal(1e-7), "0.0000001")
    assert.strictEqual(plainDecimal(1234567.5), "1234567.5")
    assert.strictEqual(salesforceDateTime("2019-12-01T00:00:03.123456Z"), "2019-12-01T00:00:03.123Z")
    assert.strictEqual(salesforceDateTime("2019-12-01 00:00:03"), "2019-12-01T00:00:03.000Z")
    assert.strictEqual(salesforceDateTime("2019-12-01T00:00:03+02:00"), "2019-12-01T00:00:03.000+02:00")
  })
})

describe("row errors", () => {
  it("splits sf__Error into code and message", () => {
    assert.deepStrictEqual(
      parseRowError("FIELD_CUSTOM_VALIDATION_EXCEPTION:Revenue must be positive:Purchase_Revenue__c --"),
      {
        code: "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        message: "Revenue must be positive:Purchase_Revenue__c",
      },
    )
    assert.deepStrictEqual(parseRowError("DUPLICATE_VALUE:Duplicate external id specified: u1:2019-12-01:--"), {
      code: "DUPLICATE_VALUE",
      message: "Duplicate external id specified: u1:2019-12-01",
    })
    assert.deepStrictEqual(parseRowError("something odd"), { code: "UNKNOWN_ERROR", message: "something odd" })
  })
})
