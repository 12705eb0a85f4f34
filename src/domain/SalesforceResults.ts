/** The states of a Bulk API 2.0 ingest job. */
export type BulkJobState = "Open" | "UploadComplete" | "InProgress" | "JobComplete" | "Failed" | "Aborted"

/** A job is finished once Salesforce will not touch its rows any more. */
export const isFinished = (state: BulkJobState): boolean =>
  state === "JobComplete" || state === "Failed" || state === "Aborted"

export interface BulkJob {
  readonly id: string
  readonly state: BulkJobState
  readonly recordsProcessed: number
  readonly recordsFailed: number
  /** Why a `Failed` job failed, in Salesforce's words. */
  readonly errorMessage: string | null
}

/** `unprocessed`: Salesforce never got to the row (the job failed or was aborted); it is sent again. */
export type RowOutcome = "created" | "updated" | "failed" | "unprocessed"

/** What became of one row of a job, matched on its external id. */
export interface RowResult {
  readonly externalId: string
  readonly salesforceId: string | null
  readonly outcome: RowOutcome
  readonly errorCode: string | null
  readonly errorMessage: string | null
}

/**
 * Splits an `sf__Error` value, `CODE:message:fields --`, into its code and message
 * (`FIELD_CUSTOM_VALIDATION_EXCEPTION:Revenue must be positive:Purchase_Revenue__c --`).
 */
export const parseRowError = (text: string): { readonly code: string; readonly message: string } => {
  const colon = text.indexOf(":")
  const code = colon > 0 && /^[A-Z_]+$/.test(text.slice(0, colon)) ? text.slice(0, colon) : "UNKNOWN_ERROR"
  const rest = code === "UNKNOWN_ERROR" ? text : text.slice(colon + 1)
  const message = rest.replace(/:?\s*--\s*$/, "").trim()
  return { code, message: message === "" ? code : message }
}
