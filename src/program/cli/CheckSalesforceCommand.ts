import { Command } from "@effect/cli"
import { Console, Effect, Either, Option } from "effect"
import { ConfigurationError } from "../../domain/Errors.js"
import type { OrgLimits } from "../../domain/SalesforceObject.js"
import { AppConfig } from "../../services/AppConfig.js"
import { Crm, salesforceLogin } from "../../services/Crm.js"
import { loadFieldMapping } from "../sync/SyncMapping.js"
import { checkObject } from "../sync/SyncPreflight.js"
import { runCommand } from "./CommandRuntime.js"
import { logFormat } from "./CommonOptions.js"
import type { Wiring } from "./Wiring.js"

const failureText = (error: { readonly _tag: string; readonly message: string }) => `${error._tag}: ${error.message}`
const n = (value: number) => value.toLocaleString("en-US")

const limitsText = (limits: OrgLimits) =>
  `${n(limits.dailyBulkApiBatches.remaining)} of ${n(limits.dailyBulkApiBatches.max)} Bulk batches and ` +
  `${n(limits.dailyApiRequests.remaining)} of ${n(limits.dailyApiRequests.max)} API requests left today`

/**
 * `check-salesforce`: the sync's preflight without a week: log in, describe SF_OBJECT_NAME and
 * hold it against the field mapping, read the org's daily limits. A short report on stdout; exit 1
 * naming every problem when the login or the object fails.
 */
const checkSalesforce = Effect.gen(function* () {
  const settings = (yield* AppConfig).salesforce
  const login = yield* salesforceLogin(settings)
  if (Option.isNone(login)) {
    return yield* new ConfigurationError({
      message: "no Salesforce credentials: set SF_USERNAME and SF_PASSWORD, or SF_INSTANCE_URL and SF_ACCESS_TOKEN",
      details: { setting: "SF_USERNAME", rule: "required by check-salesforce" },
    })
  }
  const mapping = yield* loadFieldMapping(settings)
  const crm = yield* Crm
  const session = yield* Effect.either(crm.connect)
  const object = Either.isRight(session)
    ? Option.some(yield* Effect.either(checkObject(mapping, settings)))
    : Option.none()
  const limits = Either.isRight(session) ? Option.some(yield* Effect.either(crm.limits)) : Option.none()
  const where = login.value.kind === "password" ? login.value.loginUrl : login.value.instanceUrl
  const problems = Option.match(object, {
    onNone: () => [],
    onSome: Either.match({
      onLeft: (e) => (e._tag === "ConfigurationError" ? ((e.details.problems ?? []) as ReadonlyArray<string>) : []),
      onRight: () => [],
    }),
  })
  yield* Console.log(
    [
      `Salesforce ${where}`,
      `  login:  ${Either.match(session, {
        onLeft: (e) => `failed (${failureText(e)})`,
        onRight: (s) => `ok (${s.instanceUrl}${s.userId === null ? "" : `, user ${s.userId}`})`,
      })}`,
      `  object: ${Option.match(object, {
        onNone: () => "not checked",
        onSome: Either.match({
          onLeft: (e) =>
            problems.length > 0 ? `${problems.length} problem(s) with ${settings.objectName}` : failureText(e),
          onRight: () => `ok (${settings.objectName} takes the ${mapping.fields.length} mapped fields)`,
        }),
      })}`,
      ...problems.map((p) => `    - ${p}`),
      `  limits: ${Option.match(limits, {
        onNone: () => "not read",
        onSome: Either.match({ onLeft: (e) => `not read (${failureText(e)})`, onRight: limitsText }),
      })}`,
    ].join("\n"),
  )
  if (Either.isLeft(session)) return yield* session.left
  if (Option.isSome(object) && Either.isLeft(object.value)) return yield* object.value.left
})

export const checkSalesforceCommandOf = (wiring: Wiring) =>
  Command.make("check-salesforce", { logFormat }, ({ logFormat }) =>
    runCommand(wiring, "check-salesforce", logFormat, checkSalesforce, wiring.crm),
  ).pipe(
    Command.withDescription(
      "Log in to Salesforce, check that SF_OBJECT_NAME takes the field mapping (describe), and show the org's daily limits left",
    ),
  )
