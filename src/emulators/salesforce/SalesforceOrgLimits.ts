/** What an org may spend in 24 hours, as `GET /limits` reports it. */
export interface OrgAllocation {
  /** Bulk API batches a day, shared by every Bulk client of the org (Salesforce: 15,000). */
  readonly dailyBatches: number
  /** REST and Bulk API requests a day (Salesforce: 15,000 plus some per user license). */
  readonly dailyApiRequests: number
}

export const ORG_ALLOCATION_DEFAULTS: OrgAllocation = { dailyBatches: 15_000, dailyApiRequests: 100_000 }

/** One entry of `GET /limits`. */
export interface LimitEntry {
  readonly Max: number
  readonly Remaining: number
}

/**
 * What the org has spent of its daily allocation since the emulator started: every API request
 * answered on a valid session (`apiRequests`) and every internal Bulk batch (`bulkBatches`,
 * spent when a job is closed, ⌈rows / 10,000⌉ of them). Nothing is ever given back: the
 * emulator's "day" is its lifetime.
 */
export class SalesforceOrgLimits {
  apiRequests = 0
  bulkBatches = 0

  constructor(readonly allocation: OrgAllocation = ORG_ALLOCATION_DEFAULTS) {}

  get batchesRemaining(): number {
    return Math.max(0, this.allocation.dailyBatches - this.bulkBatches)
  }

  get apiRequestsRemaining(): number {
    return Math.max(0, this.allocation.dailyApiRequests - this.apiRequests)
  }

  /** The body of `GET /services/data/vXX.X/limits`. */
  report(): Record<string, LimitEntry> {
    return {
      DailyApiRequests: { Max: this.allocation.dailyApiRequests, Remaining: this.apiRequestsRemaining },
      DailyBulkApiBatches: { Max: this.allocation.dailyBatches, Remaining: this.batchesRemaining },
      DailyBulkV2QueryJobs: { Max: 10_000, Remaining: 10_000 },
      DailyBulkV2QueryFileStorageMB: { Max: 976_562, Remaining: 976_562 },
    }
  }
}
