import { Effect, Either, Option, Redacted } from "effect"
import type { Connection } from "jsforce"
import { AuthenticationError } from "../../domain/Errors.js"
import { type Settings, secretValues } from "../../services/AppConfig.js"
import { type CrmError, type CrmSession, type SalesforceLogin, salesforceLogin } from "../../services/Crm.js"
import { crmError, loginError } from "./JsforceErrors.js"

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
export const loadJsforce = Effect.promise(async () => {
  const [{ Connection }, { HttpApi }, { HttpProxyTransport }] = await Promise.all([
    import("jsforce"),
    import("jsforce/lib/http-api.js"),
    import("jsforce/lib/transport.js"),
  ])
  return { Connection, HttpApi, HttpProxyTransport }
})

export type Jsforce = Effect.Effect.Success<typeof loadJsforce>

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

/**
 * The layer's session: logs in on the first call that needs it (once, however many fibers ask),
 * and runs one jsforce call on it with its rejection mapped to our errors.
 */
export const makeSession = (all: Settings, jsforce: Effect.Effect<Jsforce>) =>
  Effect.gen(function* () {
    const secrets = secretValues(all)
    const version = all.salesforce.apiVersion
    let established: readonly [Connection, CrmSession] | undefined
    const lock = yield* Effect.makeSemaphore(1)
    const establish = lock.withPermits(1)(
      Effect.suspend((): Effect.Effect<readonly [Connection, CrmSession], CrmError> => {
        if (established !== undefined) return Effect.succeed(established)
        return Either.match(salesforceLogin(all.salesforce), {
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
    /** One jsforce call on the session (`operation` names it in errors), the job id on the current span. */
    const call = <A>(operation: string, jobId: string | undefined, run: (connection: Connection) => Promise<A>) =>
      Effect.gen(function* () {
        if (jobId !== undefined) yield* Effect.annotateCurrentSpan("jobId", jobId)
        const [connection] = yield* establish
        return yield* Effect.tryPromise({ try: () => run(connection), catch: crmError(operation, jobId, secrets) })
      })
    return { session: Effect.map(establish, ([, session]) => session), call }
  })
