import { Effect } from "effect"
import { Connection } from "jsforce"
import { salesforceEmulator } from "../../../src/emulators/salesforce/SalesforceEmulator.js"
import { assert, describe, it } from "../../support/vitest.js"
import { login, runJob } from "./BulkClient.js"

describe("Salesforce emulator", () => {
  it.scopedLive("keeps Salesforce ids across jobs and reports created vs updated", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator()
      const connection = yield* Effect.promise(() => login(emulator))
      const first = yield* Effect.promise(() => runJob(connection, "Key__c,Name__c\nk1,One\nk2,Two\n"))
      assert.deepStrictEqual(
        first.successful.map((r) => r.sf__Created),
        ["true", "true"],
      )
      const second = yield* Effect.promise(() => runJob(connection, "Key__c,Name__c\nk1,Uno\n"))
      assert.strictEqual(second.successful[0]?.sf__Created, "false")
      assert.strictEqual(second.successful[0]?.sf__Id, first.successful.find((r) => r.Key__c === "k1")?.sf__Id)
      assert.strictEqual(emulator.store.find("Thing__c", "k1")?.fields.Name__c, "Uno")
    }),
  )

  it.scopedLive("answers results out of upload order", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator()
      const connection = yield* Effect.promise(() => login(emulator))
      const result = yield* Effect.promise(() => runJob(connection, "Key__c\na\nb\nc\n"))
      assert.deepStrictEqual(
        result.successful.map((r) => r.Key__c),
        ["c", "b", "a"],
      )
    }),
  )

  it.scopedLive("fails both rows of an external id sent twice in one job with DUPLICATE_VALUE, writing neither", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator()
      const connection = yield* Effect.promise(() => login(emulator))
      const result = yield* Effect.promise(() => runJob(connection, "Key__c,N__c\nk1,a\nk2,b\nk1,c\n"))
      assert.deepStrictEqual(
        result.failed.map((r) => [r.Key__c, (r.sf__Error ?? "").split(":")[0]]),
        [
          ["k1", "DUPLICATE_VALUE"],
          ["k1", "DUPLICATE_VALUE"],
        ],
      )
      assert.strictEqual(result.info.numberRecordsFailed, 2)
      assert.isUndefined(emulator.store.find("Thing__c", "k1"))
      assert.isDefined(emulator.store.find("Thing__c", "k2"))
    }),
  )

  it.scopedLive("applies validation rules, empty values leave fields alone, #N/A clears them", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator({
        rules: [{ field: "N__c", fails: (v) => v === "bad", message: "N must not be bad" }],
      })
      const connection = yield* Effect.promise(() => login(emulator))
      yield* Effect.promise(() => runJob(connection, "Key__c,N__c,M__c\nk1,one,keep\n"))
      const second = yield* Effect.promise(() => runJob(connection, "Key__c,N__c,M__c\nk1,#N/A,\nk2,bad,x\n"))
      assert.strictEqual(second.failed[0]?.sf__Error, "FIELD_CUSTOM_VALIDATION_EXCEPTION:N must not be bad:N__c --")
      assert.deepStrictEqual(emulator.store.find("Thing__c", "k1")?.fields, { Key__c: "k1", N__c: null, M__c: "keep" })
    }),
  )

  it.scopedLive("fails a job whose file has CR LF line endings or an unknown external id column", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator()
      const connection = yield* Effect.promise(() => login(emulator))
      const crlf = yield* Effect.promise(() => runJob(connection, "Key__c,N__c\r\nk1,a\r\n"))
      assert.strictEqual(crlf.info.state, "Failed")
      assert.include(String(crlf.info.errorMessage), "LineEnding is invalid")
      const noKey = yield* Effect.promise(() => runJob(connection, "Other__c\nx\n"))
      assert.include(String(noKey.info.errorMessage), "Field name not found : Key__c")
    }),
  )

  it.scopedLive("answers InProgress for the configured number of polls, and refuses a second upload", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator({ inProgressPolls: 3 })
      const connection = yield* Effect.promise(() => login(emulator))
      const job = connection.bulk2.createJob({ object: "Thing__c", operation: "upsert", externalIdFieldName: "Key__c" })
      yield* Effect.promise(() => job.open())
      yield* Effect.promise(() => job.uploadData("Key__c\nk\n"))
      const again = yield* Effect.promise(() =>
        connection.bulk2
          .job("ingest", { id: job.id as string })
          .uploadData("Key__c\nk\n")
          .then(
            () => "accepted",
            (e: Error) => e.name,
          ),
      )
      assert.strictEqual(again, "INVALIDJOBSTATE")
      yield* Effect.promise(() => job.close())
      const states: Array<string> = []
      for (let i = 0; i < 4; i++) states.push((yield* Effect.promise(() => job.check())).state)
      assert.deepStrictEqual(states, ["InProgress", "InProgress", "InProgress", "JobComplete"])
    }),
  )

  it.scopedLive("injects REQUEST_LIMIT_EXCEEDED and refuses unknown sessions with INVALID_SESSION_ID", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator()
      const connection = yield* Effect.promise(() => login(emulator))
      emulator.injectFault({ kind: "createJob", status: 403, errorCode: "REQUEST_LIMIT_EXCEEDED" })
      const job = connection.bulk2.createJob({ object: "Thing__c", operation: "upsert", externalIdFieldName: "Key__c" })
      const limited = yield* Effect.promise(() =>
        job.open().then(
          () => "ok",
          (e: Error) => e.name,
        ),
      )
      assert.strictEqual(limited, "REQUEST_LIMIT_EXCEEDED")
      const stranger = new Connection({ instanceUrl: emulator.url, accessToken: "00Dnobody!x", version: "62.0" })
      const refused = yield* Effect.promise(() =>
        stranger.bulk2
          .job("ingest", { id: "7505g0000000001AAA" })
          .check()
          .then(
            () => "ok",
            (e: Error) => e.name,
          ),
      )
      assert.strictEqual(refused, "INVALID_SESSION_ID")
    }),
  )

  it.scopedLive("rejects a wrong password with INVALID_LOGIN and bad OAuth2 grants with invalid_grant", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator({ clientId: "id", clientSecret: "secret" })
      const soap = new Connection({ loginUrl: emulator.url })
      const soapError = yield* Effect.promise(() =>
        soap.login("retl@example.com", "wrong").then(
          () => "",
          (e: Error) => e.message,
        ),
      )
      assert.include(soapError, "INVALID_LOGIN")
      const oauth = new Connection({
        loginUrl: emulator.url,
        oauth2: { clientId: "id", clientSecret: "secret", loginUrl: emulator.url },
      })
      const oauthError = yield* Effect.promise(() =>
        oauth.login("retl@example.com", "wrong").then(
          () => "",
          (e: Error) => e.name,
        ),
      )
      assert.strictEqual(oauthError, "invalid_grant")
      const user = yield* Effect.promise(() => oauth.login("retl@example.com", "emulator-passwordemulatortoken"))
      assert.strictEqual(user.organizationId, "00D5g00000EMULAT0")
    }),
  )
})
