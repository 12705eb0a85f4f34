import { Effect, Option } from "effect"
import { ConfigurationError } from "../../domain/Errors.js"
import type { FieldMapping } from "../../domain/SalesforceFields.js"
import {
  bulkBatchesFor,
  collectionsRequestsFor,
  mappingProblems,
  type ObjectDescription,
  type OrgLimits,
} from "../../domain/SalesforceObject.js"
import type { SalesforceSettings } from "../../services/AppConfig.js"
import { Crm, type CrmError } from "../../services/Crm.js"

/** How a sync sends its rows, and how many: what the limits check spends them against. */
export interface SendPlan {
  readonly route: "bulk" | "collections"
  readonly rows: number
}

const numbered = (problems: ReadonlyArray<string>) => problems.map((p, i) => `(${i + 1}) ${p}`).join("; ")

/**
 * Logs in and describes SF_OBJECT_NAME, and fails with one ConfigurationError naming every reason
 * the object cannot take the mapping's rows (a missing field, one the user cannot write, an upsert
 * key that is not an External ID, a type that cannot hold the column's values): before any job is
 * created, instead of a job full of failed rows.
 */
export const checkObject = (
  mapping: FieldMapping,
  settings: SalesforceSettings,
): Effect.Effect<ObjectDescription, ConfigurationError | CrmError, Crm> =>
  Effect.gen(function* () {
    const crm = yield* Crm
    yield* crm.connect
    const described = yield* crm.describeObject(settings.objectName)
    if (Option.isNone(described)) {
      return yield* new ConfigurationError({
        message: `Salesforce preflight: SF_OBJECT_NAME ${settings.objectName} does not exist in the org, or this user cannot see it`,
        details: { setting: "SF_OBJECT_NAME", value: settings.objectName, problems: ["object not found"] },
      })
    }
    const problems = mappingProblems(mapping, settings.externalIdField, described.value)
    if (problems.length > 0) {
      return yield* new ConfigurationError({
        message: `Salesforce preflight: ${settings.objectName} cannot take the mapped rows, ${problems.length} problem${problems.length === 1 ? "" : "s"}: ${numbered(problems)}`,
        details: {
          setting: Option.isSome(settings.fieldMappingFile) ? "SF_FIELD_MAPPING_FILE" : "SF_OBJECT_NAME",
          objectName: settings.objectName,
          problems,
        },
      })
    }
    return described.value
  }).pipe(Effect.withSpan("SalesforceSync.checkObject"))

/** Why `plan` would spend more than the org has left today; `None` when it fits. */
export const limitsProblem = (
  plan: SendPlan,
  limits: OrgLimits,
  jobRows: number,
): Option.Option<ConfigurationError> => {
  if (plan.route === "bulk") {
    const needed = bulkBatchesFor(plan.rows, jobRows)
    const left = limits.dailyBulkApiBatches.remaining
    if (needed <= left) return Option.none()
    return Option.some(
      new ConfigurationError({
        message: `Salesforce preflight: sending ${plan.rows} rows through Bulk API needs ${needed} batches of the org's daily allocation, but only ${left} of ${limits.dailyBulkApiBatches.max} remain (DailyBulkApiBatches); nothing was sent`,
        details: { setting: "DailyBulkApiBatches", rows: plan.rows, needed, remaining: left },
      }),
    )
  }
  const needed = collectionsRequestsFor(plan.rows)
  const left = limits.dailyApiRequests.remaining
  if (needed <= left) return Option.none()
  return Option.some(
    new ConfigurationError({
      message: `Salesforce preflight: sending ${plan.rows} rows through sObject Collections needs ${needed} API requests, but only ${left} of ${limits.dailyApiRequests.max} remain (DailyApiRequests); nothing was sent`,
      details: { setting: "DailyApiRequests", rows: plan.rows, needed, remaining: left },
    }),
  )
}

/**
 * Reads the org's limits and refuses a send that would spend more than what remains today,
 * naming the numbers. An org that does not let this user read its limits is warned about, not
 * refused: the sync then finds out the way it always did.
 */
export const checkLimits = (
  plan: SendPlan,
  settings: SalesforceSettings,
): Effect.Effect<void, ConfigurationError | CrmError, Crm> =>
  Effect.gen(function* () {
    const read = yield* Effect.either((yield* Crm).limits)
    if (read._tag === "Left") {
      if (read.left._tag === "AuthenticationError" || read.left.details.retryable === true) return yield* read.left
      return yield* Effect.logWarning("could not read the org's limits; the sync goes on without checking them").pipe(
        Effect.annotateLogs({ error: read.left.message }),
      )
    }
    const problem = limitsProblem(plan, read.right, settings.batchSize)
    if (Option.isSome(problem)) return yield* problem.value
    yield* Effect.logInfo("Salesforce limits checked").pipe(
      Effect.annotateLogs({
        route: plan.route,
        rows_to_send: plan.rows,
        bulk_batches_remaining: read.right.dailyBulkApiBatches.remaining,
        api_requests_remaining: read.right.dailyApiRequests.remaining,
      }),
    )
  }).pipe(Effect.withSpan("SalesforceSync.checkLimits"))
