import { AuthenticationError, AzureStorageError } from "../../domain/Errors.js"
import { secretScrubber } from "../../domain/SecretText.js"
import type { FileFacts } from "../../platform/Files.js"

const AUTH_CODES = new Set([
  "AuthenticationFailed",
  "AuthorizationFailure",
  "AuthorizationPermissionMismatch",
  "AuthorizationServiceMismatch",
  "AuthorizationResourceTypeMismatch",
  "AuthorizationProtocolMismatch",
  "AuthorizationSourceIPMismatch",
  "InvalidAuthenticationInfo",
  "NoAuthenticationInformation",
  "InsufficientAccountPermissions",
])

/** @azure/identity's failures to get a token: no credential found, a refused login. */
const CREDENTIAL_ERRORS = new Set([
  "CredentialUnavailableError",
  "AuthenticationError",
  "AggregateAuthenticationError",
  "AuthenticationRequiredError",
])

const TRANSIENT_STATUSES = new Set([408, 429, 500, 502, 503, 504])
const TRANSIENT_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
  "REQUEST_SEND_ERROR",
  "ServerBusy",
  "OperationTimedOut",
  "InternalError",
  "ConditionNotMet",
])

/**
 * Removes what could authenticate a request from a text the SDK produced: query strings of URLs
 * (a SAS rides there), `sig=` values, `AccountKey=` / `SharedAccessSignature=` parts of
 * connection strings, and any of the configured secrets verbatim.
 */
export const scrubSecrets = (secrets: ReadonlyArray<string>) => {
  const verbatim = secretScrubber(secrets)
  return (text: string): string =>
    verbatim(
      text
        .replace(/(\bhttps?:\/\/[^\s?#"'<>]*)\?[^\s#"'<>]*/gi, "$1?***")
        .replace(/\bsig=[^&\s"'<>]*/gi, "sig=***")
        .replace(/\b(AccountKey|SharedAccessSignature)=[^;\s"']*/gi, "$1=***"),
    )
}

interface ErrorLike {
  readonly name?: unknown
  readonly message?: unknown
  readonly code?: unknown
  readonly statusCode?: unknown
  readonly details?: { readonly errorCode?: unknown }
  readonly response?: { readonly headers?: { get?: (name: string) => string | undefined } }
}

const text = (value: unknown): string | undefined => (typeof value === "string" && value.length > 0 ? value : undefined)

/** The facts of an SDK rejection: HTTP status, storage error code, request id. */
export const describeFailure = (error: unknown) => {
  const e = (typeof error === "object" && error !== null ? error : {}) as ErrorLike
  const status = typeof e.statusCode === "number" ? e.statusCode : undefined
  const header = (name: string) => text(e.response?.headers?.get?.(name))
  const code = text(e.details?.errorCode) ?? header("x-ms-error-code") ?? text(e.code)
  const name = text(e.name) ?? "Error"
  const message = (text(e.message) ?? String(error)).split("\n")[0] ?? ""
  return { status, code, requestId: header("x-ms-request-id"), name, message }
}

/**
 * Maps anything the Data Lake SDK or @azure/identity threw to our errors: auth failures to
 * `AuthenticationError`, the rest to `AzureStorageError` with the status, storage error code and
 * request id in `details`, and `transient` set for a busy or unreachable service. Nothing that
 * could authenticate a request survives in the message.
 */
export const toLakeError =
  (operation: string, path: string, secrets: ReadonlyArray<string>) =>
  (error: unknown): AuthenticationError | AzureStorageError => {
    const f = describeFailure(error)
    const scrub = scrubSecrets(secrets)
    const what = `ADLS ${operation}${path === "" ? "" : ` of ${path}`}`
    const details = {
      operation,
      path,
      ...(f.status === undefined ? {} : { status: f.status }),
      ...(f.code === undefined ? {} : { code: f.code }),
      ...(f.requestId === undefined ? {} : { requestId: f.requestId }),
    }
    if (CREDENTIAL_ERRORS.has(f.name)) {
      return new AuthenticationError({
        message: scrub(`${what} failed: no usable Azure credential (${f.name}): ${f.message}`),
        details: { ...details, credentialError: f.name },
      })
    }
    if (f.status === 401 || f.status === 403 || (f.code !== undefined && AUTH_CODES.has(f.code))) {
      return new AuthenticationError({
        message: scrub(`${what} was refused (${f.status ?? "?"} ${f.code ?? ""}): check the account key, SAS or role`),
        details,
      })
    }
    const transient =
      (f.status !== undefined && TRANSIENT_STATUSES.has(f.status)) ||
      (f.code !== undefined && TRANSIENT_CODES.has(f.code)) ||
      (f.status === undefined && /socket hang up|network|timed? ?out/i.test(f.message))
    return new AzureStorageError({
      message: scrub(
        `${what} failed${f.status === undefined ? "" : ` (${f.status}${f.code ? ` ${f.code}` : ""})`}: ${f.message}`,
      ),
      details: { ...details, transient, ...(f.status === 404 ? { reason: "NotFound" } : {}) },
    })
  }

/** A stored object whose size or SHA-256 is not the expected one: never transient. */
export const mismatch = (
  operation: string,
  path: string,
  expected: FileFacts,
  actual: { sizeBytes: number; sha256?: string | undefined },
) =>
  new AzureStorageError({
    message: `ADLS ${operation} of ${path}: the stored object does not match (size ${actual.sizeBytes} vs ${expected.sizeBytes}, sha256 ${actual.sha256 ?? "missing"} vs ${expected.sha256})`,
    details: {
      operation,
      path,
      expectedSizeBytes: expected.sizeBytes,
      actualSizeBytes: actual.sizeBytes,
      expectedSha256: expected.sha256,
      actualSha256: actual.sha256 ?? null,
      transient: false,
    },
  })
