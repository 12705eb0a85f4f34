import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect, Either, Exit, Layer, Scope } from "effect"
import { ApiResponseError } from "../../src/domain/Errors.js"
import { parseWeek } from "../../src/domain/Week.js"
import { type AdlsEmulator, adlsEmulator } from "../../src/emulators/adls/AdlsEmulator.js"
import { DEV_ACCOUNT } from "../../src/emulators/adls/AdlsSharedKey.js"
import { type RunningEcomApi, serveEcomApi } from "../../src/emulators/events-api/EcomApiServer.js"
import { SalesforceEmulator } from "../../src/emulators/salesforce/SalesforceEmulator.js"
import * as AppConfigProvider from "../../src/layers/config/AppConfigProvider.js"
import * as CrmJsforce from "../../src/layers/crm/CrmJsforce.js"
import { runOfWeek } from "../../src/program/pipeline/RunOptions.js"
import { Crm } from "../../src/services/Crm.js"
import { type CliResult, jsonLines, runCli } from "../support/cli.js"
import { startCollector } from "../support/OtlpCollector.js"
import { makeHarness } from "../support/PipelineHarness.js"
import { SECRETS, scanCase } from "../support/reliability/Secrets.js"
import { tempDir as makeTempDir } from "../support/TempDir.js"
import { afterAll, assert, beforeAll, describe, it } from "../support/vitest.js"

/**
 * Every secret configured in every process the suite starts, through success and through each
 * failure that can be provoked cheaply: a refused key, a refused account key, a refused login,
 * broken settings, and services that echo what they were sent. Every byte each process printed
 * and every file it left (logs, sidecars, state, Parquet, the SQLite warehouse, the lake) is
 * grepped for every secret. Tracing is on in every run: each process exports its spans to an
 * OTLP collector this suite serves, and every byte the collector received is grepped too.
 */
const WEEK = ["--week-start", "2019-12-01", "--week-end", "2019-12-07"]
const SF_USER = "secrets@example.com"

const scope = Effect.runSync(Scope.make())
const inScope = <A, E>(effect: Effect.Effect<A, E, Scope.Scope>) => Effect.runPromise(Scope.extend(effect, scope))

let api: RunningEcomApi
let lakeDir: string
let lake: AdlsEmulator
let salesforce: SalesforceEmulator
/** Answers every request with 400 and the request echoed back, as some proxies and gateways do. */
let echo: Server
let echoUrl: string
let collector: Awaited<ReturnType<typeof startCollector>>

beforeAll(async () => {
  api = await inScope(
    serveEcomApi({ apiKey: SECRETS.API_KEY, withTotal: true, data: { seed: 5, eventsPerWeek: 400, malformedPct: 2 } }),
  )
  lakeDir = makeTempDir("retl-secrets-lake-")
  lake = await inScope(adlsEmulator({ accountKey: SECRETS.AZURE_STORAGE_ACCOUNT_KEY, dir: lakeDir }))
  salesforce = await SalesforceEmulator.start({
    username: SF_USER,
    password: SECRETS.SF_PASSWORD,
    securityToken: SECRETS.SF_SECURITY_TOKEN,
  })
  echo = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      const seen = `${request.method} ${request.url}\n${JSON.stringify(request.headers)}\n${Buffer.concat(chunks)}`
      // A HEAD answer has no body: "not found" lets a client go on to a call whose answer has one.
      if (request.method === "HEAD") response.writeHead(404).end()
      else response.writeHead(400, { "content-type": "text/plain" }).end(`bad request, you sent: ${seen}`)
    })
  })
  collector = await startCollector()
  await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve))
  echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`
}, 60_000)

afterAll(async () => {
  await Effect.runPromise(Scope.close(scope, Exit.void))
  await salesforce.close()
  await new Promise<void>((resolve) => echo.close(() => resolve()))
  await collector.close()
})

/** A deployment with every secret set, its files under a fresh root. */
const deployment = (root: string, overrides: Record<string, string> = {}) => ({
  API_BASE_URL: api.url,
  API_KEY: SECRETS.API_KEY,
  API_RATE_LIMIT_DELAY: "0",
  API_MAX_RETRIES: "1",
  TRANSFORM_WORKERS: "1",
  LOCAL_DATA_DIR: `${root}/data/raw_events`,
  LOCAL_REJECTS_DIR: `${root}/data/raw_events_rejects`,
  STATE_DIR: `${root}/state`,
  STORAGE_ACCOUNT: DEV_ACCOUNT,
  CONTAINER: root
    .slice(-6)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "x"),
  ADLS_ENDPOINT: lake.url,
  AZURE_STORAGE_ACCOUNT_KEY: SECRETS.AZURE_STORAGE_ACCOUNT_KEY,
  WAREHOUSE: "sqlite",
  SQLITE_PATH: `${root}/warehouse.sqlite`,
  AZURE_SQL_USERNAME: "retl",
  AZURE_SQL_PASSWORD: SECRETS.AZURE_SQL_PASSWORD,
  SF_LOGIN_URL: salesforce.url,
  SF_USERNAME: SF_USER,
  SF_PASSWORD: SECRETS.SF_PASSWORD,
  SF_SECURITY_TOKEN: SECRETS.SF_SECURITY_TOKEN,
  SF_POLL_INTERVAL_SECONDS: "0.05",
  LOG_LEVEL: "DEBUG",
  OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
  ...overrides,
})

interface LeakCase {
  readonly name: string
  readonly args: ReadonlyArray<string>
  readonly env?: Record<string, string>
}

/**
 * Runs each case's CLI process in a fresh root with every secret set (all at once: they share
 * nothing but the emulators), then greps all each printed and left behind, and the lake.
 */
const leakCases = (cases: ReadonlyArray<LeakCase>): Effect.Effect<Array<CliResult>> =>
  Effect.gen(function* () {
    const results = yield* Effect.forEach(
      cases,
      (c) => {
        const root = makeTempDir("retl-secrets-")
        const run = runCli(c.args, { env: deployment(root, c.env), cwd: root, timeoutMs: 90_000 })
        return Effect.map(run, (result) => ({ c, root, result }))
      },
      { concurrency: "unbounded" },
    )
    for (const { c, root, result } of results) scanCase(c.name, [result.stdout, result.stderr], [root])
    scanCase("secrets: the lake after those runs", [], [lakeDir])
    assert.isAbove(collector.spans().length, 0, "the runs exported their spans")
    scanCase("secrets: the spans at the OTLP collector", collector.bodies, [])
    return results.map((r) => r.result)
  })

const failedWith = (result: CliResult, errorType: string) => {
  assert.strictEqual(result.code, 1, result.stderr.slice(-1500))
  const failures = jsonLines(result.stderr).filter((line) => line.level === "ERROR")
  assert.include(
    failures.map((line) => line.error_type),
    errorType,
    result.stderr.slice(-1500),
  )
}

describe("secrets never leak", () => {
  it.live(
    "through a week run in full and by stage, a plan, an API check and a migration",
    () =>
      Effect.gen(function* () {
        const airflow = { AIRFLOW_CTX_DAG_RUN_ID: "scheduled__2019-12-08T00:00:00+00:00" }
        const [stage, full, plan, check, migrate] = yield* leakCases([
          {
            name: "secrets: run --stage extract (sidecar kept)",
            args: ["run", ...WEEK, "--stage", "extract"],
            env: airflow,
          },
          { name: "secrets: run, full week, every stage", args: ["run", ...WEEK] },
          { name: "secrets: run --validate-only", args: ["run", ...WEEK, "--validate-only"], env: airflow },
          { name: "secrets: check-api", args: ["check-api"] },
          { name: "secrets: db migrate", args: ["db", "migrate"] },
        ])
        for (const result of [stage, full, plan, check, migrate])
          assert.strictEqual(result?.code, 0, result?.stderr.slice(-1500))
        assert.isAbove(salesforce.store.records("Customer_Weekly_Metric__c").size, 0)
        assert.include(plan?.stdout, '"validate_only":true')
      }),
    180_000,
  )

  it.scopedLive(
    "through every refusal: API key, account key, SAS, connection string, Salesforce login",
    () =>
      Effect.gen(function* () {
        // The configured secrets are the ones to keep: here the services expect other ones.
        const wrongKey = Buffer.from("another-account-key-of-32-bytes!").toString("base64")
        const otherLake = yield* adlsEmulator({ accountKey: wrongKey })
        const otherOrg = yield* Effect.acquireRelease(
          Effect.promise(() => SalesforceEmulator.start({ username: SF_USER, password: "another-password" })),
          (org) => Effect.promise(() => org.close()),
        )
        const sas = `sv=2022-11-02&ss=b&srt=sco&sp=rwdlac&se=2030-01-01T00:00:00Z&sig=${encodeURIComponent(SECRETS.AZURE_STORAGE_ACCOUNT_KEY)}`
        const connection = `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${SECRETS.AZURE_STORAGE_ACCOUNT_KEY};BlobEndpoint=${otherLake.url};`
        const noKey = { AZURE_STORAGE_ACCOUNT_KEY: "" }
        const results = yield* leakCases([
          { name: "secrets: 401 from the events API", args: ["run", ...WEEK], env: { API_KEY: "not-the-key" } },
          {
            name: "secrets: 403 from ADLS (account key)",
            args: ["run", ...WEEK],
            env: { ADLS_ENDPOINT: otherLake.url },
          },
          {
            name: "secrets: 403 from ADLS (SAS)",
            args: ["run", ...WEEK],
            env: { ...noKey, AZURE_STORAGE_SAS_TOKEN: sas },
          },
          {
            name: "secrets: 403 from ADLS (connection string)",
            args: ["run", ...WEEK],
            env: { ...noKey, ADLS_ENDPOINT: "", AZURE_STORAGE_CONNECTION_STRING: connection },
          },
          {
            name: "secrets: INVALID_LOGIN from Salesforce",
            args: ["run", ...WEEK],
            env: { SF_LOGIN_URL: otherOrg.url },
          },
        ])
        for (const result of results) failedWith(result, "AuthenticationError")
      }),
    180_000,
  )

  it.live(
    "through services that echo what they were sent, and through broken settings",
    () =>
      Effect.gen(function* () {
        const brokenConnection = {
          AZURE_STORAGE_ACCOUNT_KEY: "",
          AZURE_STORAGE_CONNECTION_STRING: `AccountKey=${SECRETS.AZURE_STORAGE_ACCOUNT_KEY};no endpoint`,
        }
        const brokenSettings = {
          ...brokenConnection,
          API_TIMEOUT_SECONDS: "soon",
          OTEL_EXPORTER_OTLP_HEADERS: `x-key ${SECRETS.SF_SECURITY_TOKEN}`,
          WEEK_START: "2019-12-01",
        }
        const sas = `sv=2022-11-02&ss=b&srt=sco&sp=rwdlac&se=2030-01-01T00:00:00Z&sig=${encodeURIComponent(SECRETS.AZURE_STORAGE_ACCOUNT_KEY)}`
        const [api, login, check, settings, connection, lakeEcho] = yield* leakCases([
          {
            name: "secrets: events API echoing the request",
            args: ["run", ...WEEK, "--stage", "extract", "--local-only"],
            env: { API_BASE_URL: echoUrl },
          },
          {
            name: "secrets: Salesforce login echoing the request",
            args: ["run", ...WEEK, "--local-only"],
            env: { SF_LOGIN_URL: echoUrl },
          },
          { name: "secrets: check-api echoing the request", args: ["check-api"], env: { API_BASE_URL: echoUrl } },
          { name: "secrets: broken settings", args: ["run", "--validate-only"], env: brokenSettings },
          { name: "secrets: broken connection string", args: ["run", ...WEEK], env: brokenConnection },
          {
            name: "secrets: ADLS echoing a request signed with a SAS",
            args: ["run", ...WEEK],
            env: { AZURE_STORAGE_ACCOUNT_KEY: "", AZURE_STORAGE_SAS_TOKEN: sas, ADLS_ENDPOINT: echoUrl },
          },
        ])
        failedWith(api as CliResult, "ApiResponseError")
        failedWith(login as CliResult, "AuthenticationError")
        failedWith(check as CliResult, "ApiResponseError")
        failedWith(settings as CliResult, "ConfigurationError")
        failedWith(connection as CliResult, "ConfigurationError")
        failedWith(lakeEcho as CliResult, "AzureStorageError")
      }),
    180_000,
  )

  it.live(
    "in --help of every command",
    () =>
      Effect.gen(function* () {
        const commands = [
          [],
          ["run"],
          ["schedule"],
          ["backfill"],
          ["demo"],
          ["check-api"],
          ["db"],
          ["db", "migrate"],
          ["status"],
          ["runs"],
          ["runs", "show"],
          ["salesforce", "failures"],
          ["serve-api"],
          ["serve-adls"],
          ["serve-salesforce"],
        ]
        const root = makeTempDir("retl-secrets-help-")
        const env = deployment(root)
        // Two real processes with every secret in their environment; every command in this process,
        // its environment holding the secrets too while the command tree is built and asked for help.
        const processes = yield* Effect.forEach(
          [[], ["run"]],
          (command) => runCli([...command, "--help"], { env, cwd: root }),
          { concurrency: "unbounded" },
        )
        const saved = { ...process.env }
        Object.assign(process.env, env)
        const inProcess = yield* Effect.scoped(
          Effect.flatMap(makeHarness(), (h) => Effect.forEach(commands, (command) => h.cli([...command, "--help"]))),
        ).pipe(
          Effect.ensuring(
            Effect.sync(() => {
              for (const key of Object.keys(env)) if (!(key in saved)) delete process.env[key]
              Object.assign(process.env, saved)
            }),
          ),
        )
        for (const [i, result] of processes.entries()) assert.strictEqual(result.code, 0, `${i}: ${result.stderr}`)
        for (const [i, result] of inProcess.entries()) {
          assert.isTrue(Exit.isSuccess(result.exit), commands[i]?.join(" "))
          assert.include(result.stdout, "USAGE", commands[i]?.join(" "))
        }
        scanCase(
          "secrets: --help of every command",
          [...processes.flatMap((r) => [r.stdout, r.stderr]), ...inProcess.map((r) => r.stdout)],
          [root],
        )
      }),
    60_000,
  )

  it.live("in the error of a Salesforce login whose answer echoes the request (the layer's own scrubbing)", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flatMap(Crm, (crm) => crm.connect).pipe(
        Effect.provide(
          CrmJsforce.layer.pipe(
            Layer.provide(AppConfigProvider.layerFromMap({ ...deployment("/nowhere"), SF_LOGIN_URL: echoUrl })),
          ),
        ),
        Effect.flip,
      )
      assert.strictEqual(error._tag, "AuthenticationError")
      assert.include(error.message, `Salesforce SOAP login for ${SF_USER} at ${echoUrl} failed`)
      assert.include(error.message, "***", "what the server echoed is kept, the secrets blanked out")
      scanCase("secrets: jsforce login error echoing the request", [error.message, JSON.stringify(error.details)])
    }),
  )

  it.scopedLive("in the run and stage rows, whatever message an error brings (the audit trail's own scrubbing)", () =>
    Effect.gen(function* () {
      const week = Either.getOrThrow(parseWeek("2019-12-01", "2019-12-07"))
      const echoed = `the gateway answered: user=${SF_USER}&password=${encodeURIComponent(SECRETS.SF_PASSWORD + SECRETS.SF_SECURITY_TOKEN)} key=${SECRETS.API_KEY}`
      const h = yield* makeHarness({ page: () => new ApiResponseError({ message: echoed, details: {} }) })
      const env = {
        API_KEY: SECRETS.API_KEY,
        SF_PASSWORD: SECRETS.SF_PASSWORD,
        SF_SECURITY_TOKEN: SECRETS.SF_SECURITY_TOKEN,
      }
      const failed = yield* Effect.either(h.run(runOfWeek(week), { env }))
      assert.isTrue(Either.isLeft(failed))
      const rows = yield* h.query<{ error_message: string }>(
        "SELECT error_message FROM pipeline_run UNION ALL SELECT error_message FROM pipeline_stage WHERE error_message IS NOT NULL",
      )
      assert.deepStrictEqual(
        rows.map((r) => r.error_message),
        [0, 1].map(() => `the gateway answered: user=${SF_USER}&password=****** key=***`),
      )
      scanCase(
        "secrets: run and stage rows of a failure whose message carries secrets",
        // The harness logs without the CLI's scrubbing logger: its log lines are not the product's.
        [JSON.stringify(rows)],
        [h.dir],
      )
    }),
  )
})
