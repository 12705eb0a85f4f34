import { AuthenticationError, SalesforceSyncError } from "../domain/Errors.js"
import type { CrmError } from "../services/Crm.js"

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

const failure = (error: unknown): JsforceFailure =>
  typeof error === "object" && error !== null ? (error as JsforceFailure) : { message: String(error) }

/** The code of a jsforce failure: Salesforce's `errorCode`, jsforce's `ERROR_HTTP_{status}`, or a socket error. */
const codeOf = (e: JsforceFailure): string => e.errorCode ?? e.code ?? e.name ?? "UNKNOWN_ERROR"

const isTransientCode = (e: JsforceFailure, code: string) =>
  TRANSIENT_CODES.has(code) ||
  /^ERROR_HTTP_(5\d\d|429)$/.test(code) ||
  (e.code !== undefined && TRANSIENT_CODES.has(e.code)) ||
  e.name === "FetchError" ||
  e.message === "Request Timeout"

/** Maps a rejected jsforce call to our errors: a refused session is an AuthenticationError, the rest a sync error. */
export const crmError =
  (operation: string, jobId?: string) =>
  (error: unknown): CrmError => {
    const e = failure(error)
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
  (method: string, loginUrl: string, username: string) =>
  (error: unknown): CrmError => {
    const e = failure(error)
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
