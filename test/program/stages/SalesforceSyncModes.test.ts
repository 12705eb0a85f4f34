import { readdirSync, readFileSync, writeFileSync } from "node:fs"
import { Effect } from "effect"
import { salesforceEmulator } from "../../../src/emulators/salesforce/SalesforceEmulator.js"
import { CUSTOMER_WEEKLY_METRIC_FIELDS, describedField } from "../../../src/emulators/salesforce/SalesforceRest.js"
import * as AppConfigProvider from "../../../src/layers/config/AppConfigProvider.js"
import { emulatorSettings, metricsRow, metricsRows, runSync, tempDir } from "../../support/salesforce.js"
import { readTable } from "../../support/sqlite.js"
import { assert, describe, it } from "../../support/vitest.js"

const OBJECT = "Customer_Weekly_Metric__c"
const database = () => `${tempDir("retl-sf-db-")}/warehouse.sqlite`

describe("salesforce-sync: logins, dry runs and faults", () => {
  it.scopedLive("logs in with the OAuth2 password flow when a connected app is set", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator({ clientId: "app-id", clientSecret: "app-secret" })
      const config = emulatorSettings(emulator.url, { SF_CLIENT_ID: "app-id", SF_CLIENT_SECRET: "app-secret" })
      const result = yield* runSync({ database: database(), rows: () => metricsRows(3), config })
      assert.strictEqual(result.created, 3)
      assert.strictEqual(emulator.requestsOf("oauthToken").length, 1)
      assert.strictEqual(emulator.requestsOf("soapLogin").length, 0)
    }),
  )

  it.scopedLive("works with an instance URL and an access token; a refused token is an AuthenticationError", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator()
      const session = (token: string) =>
        AppConfigProvider.layerFromMap({
          SF_INSTANCE_URL: emulator.url,
          SF_ACCESS_TOKEN: token,
          SF_POLL_INTERVAL_SECONDS: "0.02",
        })
      const ok = yield* runSync({
        database: database(),
        rows: () => metricsRows(2),
        config: session(emulator.sessions.issue()),
      })
      assert.strictEqual(ok.created, 2)
      assert.strictEqual(emulator.requests.filter((r) => r.kind === "soapLogin" || r.kind === "oauthToken").length, 0)
      const error = yield* Effect.flip(
        runSync({ database: database(), rows: () => metricsRows(2), config: session("00Dexpired!x") }),
      )
      assert.strictEqual(error._tag, "AuthenticationError")
      assert.notInclude(error.message, "00Dexpired!x")
    }),
  )

  it.scopedLive(
    "a wrong password is an AuthenticationError carrying Salesforce's INVALID_LOGIN, without the secret",
    () =>
      Effect.gen(function* () {
        const emulator = yield* salesforceEmulator()
        const config = emulatorSettings(emulator.url, { SF_PASSWORD: "not-the-password" })
        const error = yield* Effect.flip(runSync({ database: database(), rows: () => metricsRows(2), config }))
        assert.strictEqual(error._tag, "AuthenticationError")
        assert.include(error.message, "INVALID_LOGIN")
        assert.notInclude(JSON.stringify(error), "not-the-password")
        assert.strictEqual(emulator.requestsOf("createJob").length, 0)
      }),
  )

  it.scopedLive("an expired session in the middle of a run logs in again and carries on", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator()
      emulator.injectFault({
        kind: "jobInfo",
        status: 401,
        errorCode: "INVALID_SESSION_ID",
        message: "Session expired or invalid",
      })
      const config = emulatorSettings(emulator.url)
      const result = yield* runSync({ database: database(), rows: () => metricsRows(4), config })
      assert.strictEqual(result.created, 4)
      assert.strictEqual(emulator.sessions.logins, 2)
    }),
  )

  it.scopedLive("--dry-run writes the exact CSVs and the counts, and calls nobody", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator()
      const rows = metricsRows(12)
      const env = {
        database: database(),
        rows: () => rows,
        config: emulatorSettings(emulator.url, { SF_BATCH_SIZE: "5" }),
      }
      yield* runSync(env)
      const requestsBefore = emulator.requests.length
      rows[2] = metricsRow(2, { user_id: 'Quote "me", please' })
      rows.push(metricsRow(12))
      const out = tempDir("retl-sf-dry-")
      const result = yield* runSync(env, { dryRun: true, outputDir: out })
      assert.deepInclude(result, { skipped: true, newRows: 1, changedRows: 1, unchanged: 11, jobs: 1 })
      assert.strictEqual(emulator.requests.length, requestsBefore)
      const dir = `${out}/salesforce_dry_run`
      assert.deepStrictEqual(readdirSync(dir).sort(), ["salesforce_dry_run.json", "salesforce_upsert_0001.csv"])
      const csv = readFileSync(`${dir}/salesforce_upsert_0001.csv`, "utf8")
      const lines = csv.split("\n")
      assert.strictEqual(lines[0]?.split(",")[0], "External_Signal_Id__c")
      assert.strictEqual(lines[1]?.slice(0, 37), 'u2:2019-12-01,"Quote ""me"", please",')
      assert.strictEqual(lines[2]?.slice(0, 18), "u12:2019-12-01,u12")
      assert.strictEqual(lines.length, 4)
      const summary = JSON.parse(readFileSync(`${dir}/salesforce_dry_run.json`, "utf8"))
      assert.deepInclude(summary, { new_count: 1, changed_count: 1, unchanged_count: 11, rows_to_send: 2 })
    }),
  )

  it.scopedLive("a failed upload aborts its job and sends the rows again in a new job", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator()
      emulator.injectFault({ kind: "upload", status: 503, errorCode: "SERVER_UNAVAILABLE" })
      const env = { database: database(), rows: () => metricsRows(3), config: emulatorSettings(emulator.url) }
      const result = yield* runSync(env)
      assert.deepInclude(result, { created: 3, failed: 0, jobs: 1 })
      assert.strictEqual(emulator.requestsOf("createJob").length, 2)
      assert.deepStrictEqual(
        emulator.requestsOf("upload").map((r) => r.status),
        [503, 201],
      )
      assert.strictEqual(emulator.requestsOf("abortJob").length, 1)
      const jobs = readTable(env.database, "salesforce_sync_job")
      assert.deepStrictEqual(
        jobs.map((j) => j.state),
        ["Aborted", "JobComplete"],
      )
    }),
  )

  it.scopedLive("5xx answers to status checks are retried; the sync completes", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator()
      emulator.injectFault({ kind: "jobInfo", status: 503, errorCode: "SERVER_UNAVAILABLE", times: 2 })
      const result = yield* runSync({
        database: database(),
        rows: () => metricsRows(3),
        config: emulatorSettings(emulator.url),
      })
      assert.strictEqual(result.created, 3)
      assert.deepStrictEqual(
        emulator
          .requestsOf("jobInfo")
          .slice(0, 2)
          .map((r) => r.status),
        [503, 503],
      )
    }),
  )

  it.scopedLive("a job Salesforce fails leaves every row unsynced: the stage fails and the next run resends them", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator()
      emulator.jobs.failNextJob = "InvalidBatch : Field name not found : Week_Start__c"
      const env = { database: database(), rows: () => metricsRows(4), config: emulatorSettings(emulator.url) }
      const error = yield* Effect.flip(runSync(env))
      assert.include(error.message, "4 of 4 rows failed")
      const results = readTable(env.database, "salesforce_sync_result")
      assert.deepStrictEqual(new Set(results.map((r) => r.outcome)), new Set(["unprocessed"]))
      assert.include(String(results[0]?.error_message), "Field name not found")
      assert.strictEqual(emulator.store.records(OBJECT).size, 0)
      const retried = yield* runSync(env)
      assert.deepInclude(retried, { sent: 4, created: 4 })
    }),
  )

  it.scopedLive("SF_FIELD_MAPPING_FILE chooses the fields sent", () =>
    Effect.gen(function* () {
      const fields = [...CUSTOMER_WEEKLY_METRIC_FIELDS, describedField("Events__c", "double")]
      const emulator = yield* salesforceEmulator({ objects: { [OBJECT]: fields } })
      const file = `${tempDir("retl-sf-map-")}/mapping.json`
      writeFileSync(file, JSON.stringify({ external_signal_id: "External_Signal_Id__c", event_count: "Events__c" }))
      const config = emulatorSettings(emulator.url, { SF_FIELD_MAPPING_FILE: file })
      yield* runSync({ database: database(), rows: () => metricsRows(2), config })
      assert.deepStrictEqual(emulator.store.records(OBJECT).get("u1:2019-12-01")?.fields, {
        External_Signal_Id__c: "u1:2019-12-01",
        Events__c: "11",
      })
    }),
  )
})
