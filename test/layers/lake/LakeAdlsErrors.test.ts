import { CredentialUnavailableError } from "@azure/identity"
import { RestError } from "@azure/storage-file-datalake"
import { scrubSecrets, toLakeError } from "../../../src/layers/lake/LakeAdlsErrors.js"
import { assert, describe, it } from "../../support/vitest.js"

const SAS = "sv=2025-01-05&ss=b&srt=sco&sp=rwdlc&se=2030-01-01T00%3A00%3A00Z&sig=AbCdEf0123456789%2BsecretSig%3D"

describe("toLakeError", () => {
  it("maps 401/403 and storage auth codes to AuthenticationError with status, code and request id", () => {
    const error = new RestError("Server failed to authenticate the request.\nRequestId:r-1", { statusCode: 403 })
    error.details = { errorCode: "AuthorizationPermissionMismatch" }
    const mapped = toLakeError("put", "a/b.parquet", [])(error)
    assert.strictEqual(mapped._tag, "AuthenticationError")
    assert.deepStrictEqual(mapped.details, {
      operation: "put",
      path: "a/b.parquet",
      status: 403,
      code: "AuthorizationPermissionMismatch",
    })
  })

  it("maps @azure/identity's credential failures to AuthenticationError", () => {
    const mapped = toLakeError("list", "", [])(new CredentialUnavailableError("no managed identity endpoint"))
    assert.strictEqual(mapped._tag, "AuthenticationError")
    assert.strictEqual(mapped.details.credentialError, "CredentialUnavailableError")
  })

  it("marks 5xx, throttling and dropped connections transient, and 4xx not", () => {
    const of = (status: number | undefined, code?: string) =>
      toLakeError(
        "upload",
        "p",
        [],
      )(new RestError("boom", { ...(status ? { statusCode: status } : {}), ...(code ? { code } : {}) }))
    for (const e of [of(503), of(500), of(429), of(undefined, "ECONNRESET"), of(undefined, "REQUEST_SEND_ERROR")]) {
      assert.strictEqual(e._tag, "AzureStorageError")
      assert.isTrue(e.details.transient, JSON.stringify(e.details))
    }
    for (const e of [of(400), of(409), of(404)]) assert.isFalse(e.details.transient)
    assert.strictEqual(of(404).details.reason, "NotFound")
  })

  it("keeps SAS signatures, query strings and keys out of the message", () => {
    const key = "c2VjcmV0LWFjY291bnQta2V5LXZhbHVlLTEyMzQ1Njc4OTA="
    const error = new RestError(
      `request to http://127.0.0.1:10004/devstoreaccount1/lake/a.bin?${SAS} failed, AccountKey=${key}; sig=raw-signature-value`,
      { code: "ECONNREFUSED" },
    )
    const mapped = toLakeError("read", "a.bin", [key, SAS])(error)
    assert.notInclude(mapped.message, "secretSig")
    assert.notInclude(mapped.message, "raw-signature-value")
    assert.notInclude(mapped.message, key)
    assert.include(mapped.message, "http://127.0.0.1:10004/devstoreaccount1/lake/a.bin?***")
  })

  it("scrubs a configured secret wherever it appears", () => {
    assert.strictEqual(scrubSecrets(["hunter2-long"])("pw=hunter2-long!"), "pw=***!")
  })
})
