import { idSuffix } from "../../../src/emulators/salesforce/SalesforceIds.js"
import { assert, describe, it } from "../../support/vitest.js"

describe("Salesforce ids", () => {
  it("hands out 18-character ids whose suffix is Salesforce's checksum", () => {
    assert.strictEqual(idSuffix("001A0000006Vm9r"), "IAC")
    assert.strictEqual(idSuffix("a0B5g000000abcd"), "EAA")
  })
})
