import { Effect, Either, Layer, Option, Redacted } from "effect"
import type { Connection } from "jsforce"
import { AuthenticationError } from "../../domain/Errors.js"
import type { BulkJob, BulkJobState } from "../../domain/SalesforceResults.js"
import { AppConfig, secretValues } from "../../services/AppConfig.js"
import {
  Crm,
  type CrmError,
  type CrmSession,
  type SalesforceLogin,
  salesforceLogin,
  type UpsertJobSpec,
  withCrmRetry,
} from "../../services/Crm.js"
import { crmError, loginError } from "./JsforceErrors.js"
import { parseJobResults } from "./JsforceResults.js"

/**
 * True when requests to `url` must not go through HTTP(S)_PROXY: loopback, and the hosts of
 * NO_PROXY, which jsforce itself ignores.
 */
export const bypassesProxy = (url: string, noProxy = process.env.NO_PROXY ?? process.env.no_proxy ?? ""): boolean => {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, "").toLowerCase()
  if (host === "localhost" || host === "::1" || host.startsWith("127.")) return true
  return noProxy
    .split(",")
    .map((entry) => entry.trim().toLowerCase().replace(/:\d+$/, ""))
    .some(
      (entry) =>
        entry === "*" ||
        (entry !== "" && (host === entry.replace(/^\./, "") || host.endsWith(`.${entry.replace(/^\./, "")}`))),
    )
}

/**
 * jsforce, loaded on the first login: a command or run that never reaches Salesforce does not pay
 * its start-up (about a tenth of the CLI's).
 */
const loadJsforce = Effect.promise(async () => {
  const [{ Connection }, { HttpApi }, { HttpProxyTransport }] = await Promise.all([
    import("jsforce"),
    import("jsforce/lib/http-api.js"),
    import("jsforce/lib/transport.js"),
  ])
  return { Connection, HttpApi, HttpProxyTransport }
})

type Jsforce = Effect.Effect.Success<typeof loadJsforce>

type JobInfo = {
  id: string
  state: string
  numberRecordsProcessed?: number
  numberRecordsFailed?: number
  errorMessage?: string
}

const toBulkJob = (info: JobInfo): BulkJob => ({
  id: info.id,
  state: info.state as BulkJobState,
  recordsProcessed: Number(info.numberRecordsProcessed ?? 0),
  recordsFailed: Number(info.numberRecordsFailed ?? 0),
  errorMessage: info.errorMessage ?? null,
})

const connectionFor = ({ Connection, HttpProxyTransport }: Jsforce, login: SalesforceLogin, version: string) => {
  /**
   * A transport whose requests never use a proxy (jsforce reads HTTP(S)_PROXY once, at load): an
   * empty proxy URL overrides that default, and jsforce uses no proxy agent for it.
   */
  const directTransport = () => new HttpProxyTransport("")
  const url = login.kind === "password" ? login.loginUrl : login.instanceUrl
  const connection =
    login.kind === "password"
      ? new Connection({
          loginUrl: login.loginUrl,
          version,
          ...Option.match(login.oauth2, {
            onNone: () => ({}),
            onSome: ({ clientId, clientSecret }) => ({
              oauth2: { loginUrl: login.loginUrl, clientId, clientSecret: Redacted.value(clientSecret) },
            }),
          }),
        })
      : new Connection({ instanceUrl: login.instanceUrl, accessToken: Redacted.value(login.accessToken), version })
  if (bypassesProxy(url)) {
    connection._transport = directTransport()
    connection.oauth2._transport = directTransport()
  }
  return connection
}

const logIn = (
  jsforce: Jsforce,
  login: SalesforceLogin,
  version: string,
  secrets: ReadonlyArray<string>,
): Effect.Effect<readonly [Connection, CrmSession], CrmError> => {
  const connection = connectionFor(jsforce, login, version)
  if (login.kind === "session") {
    return Effect.succeed([connection, { instanceUrl: login.instanceUrl, userId: null, organizationId: null }] as const)
  }
  const method = Option.isSome(login.oauth2) ? "OAuth2 password" : "SOAP"
  const secret =
    Redacted.value(login.password) + Option.match(login.securityToken, { onNone: () => "", onSome: Redacted.value })
  return Effect.tryPromise({
    try: () => connection.login(login.username, secret),
    catch: loginError(method, login.loginUrl, login.username, secrets),
  }).pipe(
    Effect.map(
      (user) =>
        [
          connection,
          { instanceUrl: connection.instanceUrl, userId: user.id, organizationId: user.organizationId },
        ] as const,
    ),
  )
}

const missingCredentials = () =>
  new AuthenticationError({
    message: "no Salesforce credentials: set SF_USERNAME and SF_PASSWORD, or SF_INSTANCE_URL and SF_ACCESS_TOKEN",
    details: { setting: "SF_USERNAME" },
  })

/** Crm over jsforce 3: logs in on first use and drives each Bulk API 2.0 step itself. */
export const layer: Layer.Layer<Crm, never, AppConfig> = Layer.effect(
  Crm,
  Effect.gen(function* () {
    const all = yield* AppConfig
    const settings = all.salesforce
    const secrets = secretValues(all)
    const version = settings.apiVersion
    const jsforce = yield* Effect.cached(loadJsforce)
    let established: readonly [Connection, CrmSession] | undefined
    const lock = yield* Effect.makeSemaphore(1)
    const establish = lock.withPermits(1)(
      Effect.suspend((): Effect.Effect<readonly [Connection, CrmSession], CrmError> => {
        if (established !== undefined) return Effect.succeed(established)
        return Either.match(salesforceLogin(settings), {
          onLeft: (error) => Effect.fail(new AuthenticationError({ message: error.message, details: error.details })),
          onRight: Option.match({
            onNone: () => Effect.fail(missingCredentials()),
            onSome: (login) => Effect.flatMap(jsforce, (modules) => logIn(modules, login, version, secrets)),
          }),
        }).pipe(
          Effect.tap((result) =>
            Effect.sync(() => {
              established = result
            }),
          ),
        )
      }),
    )
    /** One jsforce call on the session, its rejection mapped to our errors (`operation` names it in them). */
    const call = <A>(operation: string, jobId: string | undefined, run: (connection: Connection) => Promise<A>) =>
      Effect.gen(function* () {
        if (jobId !== undefined) yield* Effect.annotateCurrentSpan("jobId", jobId)
        const [connection] = yield* establish
        return yield* Effect.tryPromise({ try: () => run(connection), catch: crmError(operation, jobId, secrets) })
      })
    const job = (connection: Connection, jobId: string) => connection.bulk2.job("ingest", { id: jobId })
    const ingestUrl = (connection: Connection, path: string) =>
      new URL(`/services/data/v${version}/jobs/ingest${path}`, connection.instanceUrl).toString()

    const connect = Effect.fn("Crm.connect")(() => Effect.map(establish, ([, session]) => session))

    const createUpsertJob = Effect.fn("Crm.createUpsertJob")((spec: UpsertJobSpec) =>
      call("create job", undefined, async (connection) => {
        const created = connection.bulk2.createJob({
          object: spec.object,
          operation: "upsert",
          externalIdFieldName: spec.externalIdField,
          contentType: "CSV",
          lineEnding: "LF",
        })
        return toBulkJob((await created.open()) as JobInfo)
      }),
    )

    // jsforce's own upload retries a PUT after a 5xx with its body stream already spent, sending
    // an empty file: upload through an HttpApi that does not retry, and let the caller decide.
    const uploadCsv = Effect.fn("Crm.uploadCsv")(function* (jobId: string, csv: string) {
      const { HttpApi } = yield* jsforce
      yield* call("upload", jobId, async (connection) => {
        const api = new HttpApi(connection, { responseType: "text/plain", retry: { methods: [] } })
        await api.request({
          method: "PUT",
          url: ingestUrl(connection, `/${jobId}/batches`),
          body: csv,
          headers: { "Content-Type": "text/csv" },
        })
      })
    })

    const closeJob = Effect.fn("Crm.closeJob")((jobId: string) =>
      call("close job", jobId, async (connection) => {
        const ingest = job(connection, jobId)
        await ingest.close()
        return toBulkJob(ingest.getInfo() as JobInfo)
      }),
    )

    const abortJob = Effect.fn("Crm.abortJob")((jobId: string) =>
      call("abort job", jobId, async (connection) => {
        const ingest = job(connection, jobId)
        await ingest.abort()
        return toBulkJob(ingest.getInfo() as JobInfo)
      }),
    )

    const jobInfo = Effect.fn("Crm.jobInfo")((jobId: string) =>
      call("check job", jobId, (connection) => job(connection, jobId).check()).pipe(
        Effect.map((info) => Option.some(toBulkJob(info as JobInfo))),
        Effect.catchIf(
          (error) => error._tag === "SalesforceSyncError" && error.details.errorCode === "NOT_FOUND",
          () => Effect.succeed(Option.none<BulkJob>()),
        ),
      ),
    )

    const jobResults = Effect.fn("Crm.jobResults")((jobId: string, externalIdField: string) =>
      call("fetch results", jobId, async (connection) => {
        const ingest = job(connection, jobId)
        const [successful, failed, unprocessed] = await Promise.all([
          ingest.getSuccessfulResults(true),
          ingest.getFailedResults(true),
          ingest.getUnprocessedRecords(true),
        ])
        return parseJobResults(externalIdField, {
          successful: successful ?? undefined,
          failed: failed ?? undefined,
          unprocessed: typeof unprocessed === "string" ? unprocessed : undefined,
        })
      }),
    )

    return withCrmRetry({
      connect: connect(),
      createUpsertJob,
      uploadCsv,
      closeJob,
      abortJob,
      jobInfo,
      jobResults,
    })
  }),
)
