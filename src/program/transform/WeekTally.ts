import type { RejectRow } from "../../domain/OutputRows.js"
import { addQualityCounts, noQualityCounts, type QualityCounts } from "../../domain/QualityChecks.js"
import type { BatchResult } from "./Batch.js"

/** How many rejected records gave one reason. */
export interface RejectReason {
  readonly reason: string
  readonly count: number
}

/** Distinct reasons kept; past this many the rest count as "other reasons". */
const MAX_REASONS = 1_000
const OTHER = "other reasons"

/**
 * A reason without the offending value, so that alike rejects add up:
 * `price must be >= 0, got -1` → `price must be >= 0`; `not valid JSON: …` → `not valid JSON`.
 */
export const reasonOf = (message: string): string => message.replace(/(?:, got |: )[\s\S]*$/, "")

/** What a week's batches added up to, taken in the order of their lines. */
export class WeekTally {
  fetched = 0
  rejected = 0
  counts: QualityCounts = noQualityCounts
  private readonly reasons = new Map<string, number>()

  add(result: BatchResult): void {
    this.fetched += result.lines
    this.rejected += result.rejects.length
    this.counts = addQualityCounts(this.counts, result.counts)
    for (const reject of result.rejects) this.addReasons(reject)
  }

  private addReasons(reject: RejectRow): void {
    const errors = JSON.parse(reject.errors) as ReadonlyArray<{ readonly message: string }>
    for (const reason of new Set(errors.map((error) => reasonOf(error.message)))) {
      const key = this.reasons.has(reason) || this.reasons.size < MAX_REASONS ? reason : OTHER
      this.reasons.set(key, (this.reasons.get(key) ?? 0) + 1)
    }
  }

  get valid(): number {
    return this.counts.validRows
  }

  topReasons(limit: number): ReadonlyArray<RejectReason> {
    return [...this.reasons]
      .map(([reason, count]) => ({ reason, count }))
      .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason))
      .slice(0, limit)
  }
}
