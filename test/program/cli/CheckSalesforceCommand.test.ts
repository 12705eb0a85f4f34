import { Effect } from "effect"
import { EMULATOR_DEFAULTS, salesforceEmulator } from "../../../src/emulators/salesforce/SalesforceEmulator.js"
import { CUSTOMER_WEEKLY_METRIC_FIELDS } from "../../../src/emulators/salesforce/SalesforceRest.js"
import { jsonLines, runCli } from "../../support/cli.js"
import { assert, describe, it } from "../../support/vitest.js"

const credentials = (url: string) => ({
  SF_LOGIN_URL: url,
  SF_USERNAME: EMULATOR_DEFAULTS.username,
  SF_PASSWORD: EMULATOR_DEFAULTS.password,
  SF_SECURITY_TOKEN: EMULATOR_DEFAULTS.securityToken,
})

describe("reverse-etl check-salesforce", () => {
  it.scopedLive("logs in, finds the object takes the mapping, shows the limits left; exit 0", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator({ dailyBatches: 900 })
      const result = yield* runCli(["check-salesforce"], { env: credentials(emulator.url) })
      assert.strictEqual(result.code, 0, result.stderr)
      assert.match(result.stdout, new RegExp(`^Salesforce ${emulator.url}\n`))
      assert.include(result.stdout, `login:  ok (${emulator.url}, user `)
      assert.include(result.stdout, "object: ok (Customer_Weekly_Metric__c takes the 14 mapped fields)")
      assert.match(result.stdout, /limits: 900 of 900 Bulk batches and [\d,]+ of 100,000 API requests left today/)
      assert.deepStrictEqual(
        emulator.requests.map((r) => r.kind),
        ["soapLogin", "describe", "limits"],
      )
    }),
  )

  it.scopedLive("exits 1 naming every problem of the object", () =>
    Effect.gen(function* () {
      const fields = CUSTOMER_WEEKLY_METRIC_FIELDS.filter((f) => f.name !== "View_Count__c").map((f) =>
        f.name === "External_Signal_Id__c" ? { ...f, externalId: false } : f,
      )
      const emulator = yield* salesforceEmulator({ objects: { Customer_Weekly_Metric__c: fields } })
      const result = yield* runCli(["check-salesforce"], { env: credentials(emulator.url) })
      assert.strictEqual(result.code, 1)
      assert.include(result.stdout, "object: 2 problem(s) with Customer_Weekly_Metric__c")
      assert.include(result.stdout, "    - field View_Count__c (from view column view_count) does not exist on")
      assert.include(result.stdout, "    - field External_Signal_Id__c is not an External ID field")
      const failure = jsonLines(result.stderr).find((l) => l.error_type === "ConfigurationError")
      assert.include(String(failure?.error_message ?? failure?.message), "2 problems")
    }),
  )

  it.scopedLive("exits 1 when the login is refused, without checking the object", () =>
    Effect.gen(function* () {
      const emulator = yield* salesforceEmulator()
      const result = yield* runCli(["check-salesforce"], {
        env: { ...credentials(emulator.url), SF_PASSWORD: "wrong-password-5521" },
      })
      assert.strictEqual(result.code, 1)
      assert.include(result.stdout, "login:  failed (AuthenticationError: ")
      assert.include(result.stdout, "object: not checked")
      assert.notInclude(result.stdout + result.stderr, "wrong-password-5521")
    }),
  )
})

describe("reverse-etl run --validate-only --require-salesforce", () => {
  const plan = ["run", "--validate-only", "--require-salesforce", "--stage", "salesforce-sync", "--use-checkpoint"]

  it.scopedLive("refuses the plan naming the object's problem; without the flag a plan stays offline", () =>
    Effect.gen(function* () {
      const fields = CUSTOMER_WEEKLY_METRIC_FIELDS.map((f) =>
        f.name === "Week_End__c" ? { ...f, type: "boolean" } : f,
      )
      const broken = yield* salesforceEmulator({ objects: { Customer_Weekly_Metric__c: fields } })
      const refused = yield* runCli(plan, { env: credentials(broken.url) })
      assert.strictEqual(refused.code, 1)
      assert.strictEqual(refused.stdout, "")
      assert.include(refused.stderr, "field Week_End__c is of type boolean, which cannot take view column week_end")
      const offline = yield* runCli(
        plan.filter((a) => a !== "--require-salesforce"),
        { env: credentials(broken.url) },
      )
      assert.strictEqual(offline.code, 0, offline.stderr)
      assert.strictEqual(broken.requests.length, 2, "the second plan asked Salesforce nothing")
    }),
  )

  it.scopedLive("prints the plan once the preflight passes", () =>
    Effect.gen(function* () {
      const good = yield* salesforceEmulator()
      const ok = yield* runCli(plan, { env: credentials(good.url) })
      assert.strictEqual(ok.code, 0, ok.stderr)
      assert.include(ok.stdout, '"validate_only":true')
      assert.deepStrictEqual(
        good.requests.map((r) => r.kind),
        ["soapLogin", "describe"],
      )
    }),
  )
})
