import { Effect, Option, Stream } from "effect"
import type { CustomerWeeklyMetrics } from "../../domain/CustomerMetrics.js"
import type { ConfigurationError, WarehouseError } from "../../domain/Errors.js"
import type { FieldMapping } from "../../domain/SalesforceFields.js"
import type { Week } from "../../domain/Week.js"
import type { SalesforceSettings } from "../../services/AppConfig.js"
import type { Crm, CrmError } from "../../services/Crm.js"
import { SyncLedger } from "../../services/SyncLedger.js"
import { sendCollections } from "./SyncCollections.js"
import { addTally, emptyTally, type JobTally } from "./SyncJobs.js"
import { type ChangedRow, changedRows, PlanTally } from "./SyncPlan.js"
import { checkLimits, checkObject } from "./SyncPreflight.js"

/** What the first pass over the week found: how many rows go, and those rows when few enough. */
export interface MeasuredChanges {
  /** The rows to send, one per external id (the last wins), when at most `maxRows`. */
  readonly small: Option.Option<ReadonlyArray<ChangedRow>>
  readonly rows: number
  readonly tally: PlanTally
}

/**
 * Streams the week's changed rows once, counting them and keeping at most `maxRows + 1` of them:
 * past that the week goes through Bulk and nothing is kept, so memory stays flat as weeks grow.
 */
export const measureChanges = (
  rows: Stream.Stream<CustomerWeeklyMetrics, WarehouseError>,
  options: { readonly mapping: FieldMapping; readonly objectName: string; readonly fullResync: boolean },
  maxRows: number,
): Effect.Effect<MeasuredChanges, WarehouseError, SyncLedger> => {
  const tally = new PlanTally()
  let kept: Map<string, ChangedRow> | undefined = maxRows > 0 ? new Map() : undefined
  return Stream.runFold(changedRows(rows, options, tally), 0, (count, row) => {
    if (kept !== undefined) {
      if (kept.delete(row.externalId)) tally.duplicateRows += 1
      kept.set(row.externalId, row)
      if (kept.size > maxRows) kept = undefined
    }
    return count + 1
  }).pipe(
    Effect.map((count) => ({
      small: Option.map(Option.fromNullable(kept), (m) => [...m.values()]),
      rows: kept?.size ?? count,
      tally,
    })),
  )
}

export interface SendInput<E, R> {
  readonly week: Week
  readonly runId: string
  readonly rows: Stream.Stream<CustomerWeeklyMetrics, WarehouseError>
  readonly mapping: FieldMapping
  readonly settings: SalesforceSettings
  readonly fullResync: boolean
  /** The stage's plan tally: filled by this pass for a small diff, by `bulk`'s own plan otherwise. */
  readonly tally: PlanTally
  /** The Bulk send (earlier jobs collected, then this run's jobs), planning the week itself. */
  readonly bulk: Effect.Effect<{ readonly total: JobTally; readonly reattachedJobs: number }, E, R>
  readonly onProgress?: (progress: { readonly jobs: number; readonly sent: number }) => void
}

/**
 * Preflight, then the week's changed rows to Salesforce: checks the object takes the mapping,
 * measures the diff, checks the org has the allocation it needs left, and sends a diff of at most
 * SF_COLLECTIONS_MAX_ROWS rows through sObject Collections, a larger one through Bulk. Bulk jobs an
 * earlier run left unfinished send the week through Bulk, which collects them first.
 */
export const sendChanges = <E, R>(
  input: SendInput<E, R>,
): Effect.Effect<
  { readonly total: JobTally; readonly reattachedJobs: number },
  E | ConfigurationError | CrmError | WarehouseError,
  R | Crm | SyncLedger
> =>
  Effect.gen(function* () {
    const { settings } = input
    yield* checkObject(input.mapping, settings)
    const measured = yield* measureChanges(
      input.rows,
      { mapping: input.mapping, objectName: settings.objectName, fullResync: input.fullResync },
      settings.collectionsMaxRows,
    )
    const unfinished = yield* (yield* SyncLedger).unfinishedJobs(settings.objectName)
    const small = Option.filter(measured.small, () => unfinished.length === 0)
    const route = Option.isSome(small) ? "collections" : "bulk"
    if (measured.rows > 0) yield* checkLimits({ route, rows: measured.rows }, settings)
    if (Option.isNone(small)) return yield* input.bulk
    Object.assign(input.tally, measured.tally)
    let sent = 0
    const tallies = yield* sendCollections(small.value, {
      runId: input.runId,
      week: input.week,
      objectName: settings.objectName,
      externalIdField: settings.externalIdField,
      mapping: input.mapping,
      onRequest: (rows) => {
        sent += rows
        input.onProgress?.({ jobs: 0, sent })
      },
    })
    const total = tallies.reduce(addTally, emptyTally)
    if (tallies.length > 0) {
      yield* Effect.logInfo("rows sent through sObject Collections").pipe(
        Effect.annotateLogs({ requests: tallies.length, rows: total.sent, failed_count: total.failed }),
      )
    }
    return { total, reattachedJobs: 0 }
  })
