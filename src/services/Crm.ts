import { Context, Effect, Either, Option, type Redacted, Schedule } from "effect"
import {
  type AuthenticationError,
  type ConfigurationError,
  invalidSetting,
  SalesforceSyncError,
} from "../domain/Errors.js"
import type { ObjectDescription, OrgLimits } from "../domain/SalesforceObject.js"
import type { BulkJob, RowResult } from "../domain/SalesforceResults.js"
import type { SalesforceSettings } from "./AppConfig.js"

export type CrmError = SalesforceSyncError | AuthenticationError

/** How to log in: a user's password (SOAP, or OAuth2 when a connected app is set), or a session. */
export type SalesforceLogin =
  | {
      readonly kind: "password"
      readonly loginUrl: string
      readonly username: string
      readonly password: Redacted.Redacted
      readonly securityToken: Option.Option<Redacted.Redacted>
      readonly oauth2: Option.Option<{ readonly clientId: string; readonly clientSecret: Redacted.Redacted }>
    }
  | { readonly kind: "session"; readonly instanceUrl: string; readonly accessToken: Redacted.Redacted }

/**
 * The login the settings describe: `None` when no Salesforce setting is given at all, a
 * ConfigurationError naming the setting when they are half given.
 */
export const salesforceLogin = (
  s: SalesforceSettings,
): Either.Either<Option.Option<SalesforceLogin>, ConfigurationError> => {
  if (Option.isSome(s.clientId) !== Option.isSome(s.clientSecret)) {
    return Either.left(
      Option.isSome(s.clientId)
        ? invalidSetting("SF_CLIENT_SECRET", "must be set when SF_CLIENT_ID is set")
        : invalidSetting("SF_CLIENT_ID", "must be set when SF_CLIENT_SECRET is set"),
    )
  }
  if (Option.isSome(s.username) || Option.isSome(s.password)) {
    if (Option.isNone(s.username))
      return Either.left(invalidSetting("SF_USERNAME", "must be set when SF_PASSWORD is set"))
    if (Option.isNone(s.password))
      return Either.left(invalidSetting("SF_PASSWORD", "must be set when SF_USERNAME is set"))
    return Either.right(
      Option.some({
        kind: "password",
        loginUrl: Option.getOrElse(s.loginUrl, () => `https://${s.domain}.salesforce.com`),
        username: s.username.value,
        password: s.password.value,
        securityToken: s.securityToken,
        oauth2: Option.zipWith(s.clientId, s.clientSecret, (clientId, clientSecret) => ({ clientId, clientSecret })),
      }),
    )
  }
  if (Option.isSome(s.accessToken) || Option.isSome(s.instanceUrl)) {
    if (Option.isNone(s.instanceUrl)) {
      return Either.left(invalidSetting("SF_INSTANCE_URL", "must be set when SF_ACCESS_TOKEN is set"))
    }
    if (Option.isNone(s.accessToken)) {
      return Either.left(
        invalidSetting("SF_ACCESS_TOKEN", "must be set when SF_INSTANCE_URL is set (or give SF_USERNAME)"),
      )
    }
    return Either.right(
      Option.some({ kind: "session", instanceUrl: s.instanceUrl.value, accessToken: s.accessToken.value }),
    )
  }
  return Either.right(Option.none())
}

/** The org a session belongs to, as the login answered. */
export interface CrmSession {
  readonly instanceUrl: string
  /** Unknown when a session was given (SF_ACCESS_TOKEN) rather than opened. */
  readonly userId: string | null
  readonly organizationId: string | null
}

export interface UpsertJobSpec {
  readonly object: string
  readonly externalIdField: string
}

/** One record for sObject Collections: field → value, `null` clearing the field. */
export type CrmRecord = Readonly<Record<string, string | number | null>>

/**
 * Salesforce's Bulk API 2.0 ingest, one step a call, so the caller can record a job before its
 * data goes up and pick a job up again in a later run. Every call logs in first if it has to.
 * Transient failures are retried inside (`withCrmRetry`); what comes out is final.
 */
export class Crm extends Context.Tag("retl/Crm")<
  Crm,
  {
    /** Logs in (once; later calls reuse the session). An unreachable login server is a transient error. */
    readonly connect: Effect.Effect<CrmSession, CrmError>
    readonly createUpsertJob: (spec: UpsertJobSpec) => Effect.Effect<BulkJob, CrmError>
    /** The job's whole CSV in one upload; never retried in place (a retry would send an empty body). */
    readonly uploadCsv: (jobId: string, csv: string) => Effect.Effect<void, CrmError>
    /** Marks the upload complete: Salesforce starts processing. */
    readonly closeJob: (jobId: string) => Effect.Effect<BulkJob, CrmError>
    readonly abortJob: (jobId: string) => Effect.Effect<BulkJob, CrmError>
    /** The job's state; `None` when Salesforce no longer knows it (finished jobs go after 7 days). */
    readonly jobInfo: (jobId: string) => Effect.Effect<Option.Option<BulkJob>, CrmError>
    /** Successful, failed and unprocessed rows of a finished job, keyed by `externalIdField`. */
    readonly jobResults: (jobId: string, externalIdField: string) => Effect.Effect<ReadonlyArray<RowResult>, CrmError>
    /**
     * Upserts at most 200 records in one sObject Collections request (`allOrNone: false`): one
     * result per record, in order. No job, no Bulk batch spent; one API call.
     */
    readonly upsertRecords: (
      spec: UpsertJobSpec,
      records: ReadonlyArray<CrmRecord>,
    ) => Effect.Effect<ReadonlyArray<RowResult>, CrmError>
    /** The object's fields as `describe` reports them; `None` when the org has no such object. */
    readonly describeObject: (objectName: string) => Effect.Effect<Option.Option<ObjectDescription>, CrmError>
    /** What remains of the org's daily allocations (`GET /limits`). */
    readonly limits: Effect.Effect<OrgLimits, CrmError>
  }
>() {}

/** True for failures worth another attempt: 5xx, REQUEST_LIMIT_EXCEEDED, UNABLE_TO_LOCK_ROW, a dropped connection. */
export const isTransientCrmError = (error: unknown): boolean =>
  error instanceof SalesforceSyncError && error.details.retryable === true

/** 2 s, 4 s, 8 s, each capped at 30 s: 4 attempts in all, transient errors only. */
export const crmRetry = Schedule.exponential("2 seconds").pipe(
  Schedule.union(Schedule.spaced("30 seconds")),
  Schedule.intersect(Schedule.recurs(3)),
  Schedule.whileInput(isTransientCrmError),
)

/**
 * A Crm whose every call but `uploadCsv` is retried on `crmRetry` (an upsert of records is sent
 * again whole: upserts on an external id are idempotent). Every implementation is built
 * with it, so the program sees the same retries over jsforce and over the memory org. `uploadCsv`
 * is never retried in place: the sync aborts the job and sends its rows again in a new one.
 */
export const withCrmRetry = (crm: Context.Tag.Service<Crm>): Context.Tag.Service<Crm> =>
  Crm.of({
    connect: Effect.retry(crm.connect, crmRetry),
    createUpsertJob: (spec) => Effect.retry(crm.createUpsertJob(spec), crmRetry),
    uploadCsv: crm.uploadCsv,
    closeJob: (jobId) => Effect.retry(crm.closeJob(jobId), crmRetry),
    abortJob: (jobId) => Effect.retry(crm.abortJob(jobId), crmRetry),
    jobInfo: (jobId) => Effect.retry(crm.jobInfo(jobId), crmRetry),
    jobResults: (jobId, externalIdField) => Effect.retry(crm.jobResults(jobId, externalIdField), crmRetry),
    upsertRecords: (spec, records) => Effect.retry(crm.upsertRecords(spec, records), crmRetry),
    describeObject: (objectName) => Effect.retry(crm.describeObject(objectName), crmRetry),
    limits: Effect.retry(crm.limits, crmRetry),
  })
