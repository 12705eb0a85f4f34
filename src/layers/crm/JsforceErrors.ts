import { AuthenticationError, SalesforceSyncError } from "../../domain/Errors.js"
import { secretScrubber } from "../../domain/SecretText.js"
import type { CrmError } from "../../services/Crm.js"

/** Error codes Salesforce answers when trying again later can work. */
const TRANSIENT_CODES = new Set([
  "REQUEST_LIMIT_EXCEEDED",
  "UNABLE_TO_LOCK_ROW",
  "SERVER_UNAVAILABLE",
  "UNKNOWN_EXCEPTION",
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
  "UND_ERR_SOCKET",
])

interface JsforceFailure {
  readonly name?: string
  readonly errorCode?: string
  readonly code?: string
  readonly message?: string
}

/** The code of a jsforce failure: Salesforce's `errorCode`, jsforce's `ERROR_HTTP_{status}`, or a socket error. */
const codeOf = (e: JsforceFailure): string => e.errorCode ?? e.code ?? e.name ?? "UNKNOWN_ERROR"

const isTransientCode = (e: JsforceFailure, code: string) =>
  TRANSIENT_CODES.has(code) ||
  /^ERROR_HTTP_(5\d\d|429)$/.test(code) ||
  (e.code !== undefined && TRANSIENT_CODES.has(e.code)) ||
  e.name === "FetchError" ||
  e.message === "Request Timeout"

/**
 * A failure as jsforce reports it, with every configured secret blanked out of its message: for a
 * response it cannot read, jsforce's message is the whole response body, and a proxy or gateway
 * that echoes the request echoes the password and token of a login.
 */
const failure = (error: unknown, secrets: ReadonlyArray<string>): JsforceFailure => {
  const e: JsforceFailure = typeof error === "object" && error !== null ? error : { message: String(error) }
  return e.message === undefined ? e : { ...pick(e), message: secretScrubber(secrets)(e.message) }
}

const pick = (e: JsforceFailure): JsforceFailure => ({
  ...(e.name === undefined ? {} : { name: e.name }),
  ...(e.errorCode === undefined ? {} : { errorCode: e.errorCode }),
  ...(e.code === undefined ? {} : { code: e.code }),
})

/** Maps a rejected jsforce call to our errors: a refused session is an AuthenticationError, the rest a sync error. */
export const crmError =
  (operation: string, jobId: string | undefined, secrets: ReadonlyArray<string>) =>
  (error: unknown): CrmError => {
    const e = failure(error, secrets)
    const code = codeOf(e)
    const subject = jobId === undefined ? operation : `${operation} of job ${jobId}`
    if (code === "INVALID_SESSION_ID" || code === "ERROR_HTTP_401") {
      return new AuthenticationError({
        message: `Salesforce refused the session during ${subject}: ${e.message ?? code}`,
        details: { operation, errorCode: code, ...(jobId === undefined ? {} : { jobId }) },
      })
    }
    return new SalesforceSyncError({
      message: `Salesforce ${subject} failed: ${code}: ${e.message ?? ""}`.trim(),
      details: {
        operation,
        errorCode: code,
        retryable: isTransientCode(e, code),
        ...(jobId === undefined ? {} : { jobId }),
      },
    })
  }

/** A login that failed: wrong credentials are an AuthenticationError; an unreachable server may be worth a retry. */
export const loginError =
  (method: string, loginUrl: string, username: string, secrets: ReadonlyArray<string>) =>
  (error: unknown): CrmError => {
    const e = failure(error, secrets)
    const code = codeOf(e)
    if (isTransientCode(e, code)) {
      return new SalesforceSyncError({
        message: `Salesforce login at ${loginUrl} failed: ${code}: ${e.message ?? ""}`.trim(),
        details: { operation: "login", method, loginUrl, errorCode: code, retryable: true },
      })
    }
    return new AuthenticationError({
      message: `Salesforce ${method} login for ${username} at ${loginUrl} failed: ${e.message ?? code}`,
      details: { method, loginUrl, username, errorCode: code },
    })
  }
