import * as crypto from "node:crypto"
import { Chunk, Effect, Stream } from "effect"
import { csvLine } from "../../codecs/SalesforceCsv.js"
import type { CustomerWeeklyMetrics } from "../../domain/CustomerMetrics.js"
import { SalesforceSyncError, type WarehouseError } from "../../domain/Errors.js"
import { type FieldMapping, rowMapper } from "../../domain/SalesforceFields.js"
import { type JobRow, SyncLedger } from "../../services/SyncLedger.js"

/** One job's worth of rows: the exact CSV to upload and the rows it carries. */
export interface JobPayload {
  readonly index: number
  readonly csv: string
  readonly rows: ReadonlyArray<JobRow>
}

/** What the plan found; filled in as the rows stream past. */
export class PlanTally {
  newRows = 0
  changedRows = 0
  unchangedRows = 0
  /** Rows dropped because a later row of the same job had the same external id. */
  duplicateRows = 0
}

export interface PlanOptions {
  readonly mapping: FieldMapping
  readonly objectName: string
  readonly fullResync: boolean
  readonly maxRecords: number
  readonly maxBytes: number
}

interface PlannedRow {
  readonly externalId: string
  readonly contentHash: string
  readonly line: string
  readonly bytes: number
}

const LOOKUP_BATCH = 2000

/**
 * Bump when the way values are written for Salesforce changes (number or date formats): every row
 * then counts as changed once and is sent again in its new form.
 */
const VALUE_FORMAT_VERSION = 1

const bigintAsText = (_key: string, value: unknown) => (typeof value === "bigint" ? value.toString() : value)
const json = (values: ReadonlyArray<unknown>): string => {
  try {
    return JSON.stringify(values)
  } catch {
    return JSON.stringify(values, bigintAsText)
  }
}

/**
 * The hash of what a row would make the record look like: the object, the mapping and the row's
 * values of the mapped columns. The values are hashed as the warehouse gave them, so an unchanged
 * row costs no formatting at all.
 */
export const contentHasher = (objectName: string, mapping: FieldMapping) => {
  const context = JSON.stringify([VALUE_FORMAT_VERSION, objectName, mapping.fields, mapping.columns])
  const columns = mapping.columns
  return (row: CustomerWeeklyMetrics): string => sha256(context + json(columns.map((column) => row[column] ?? null)))
}

// The one-shot `crypto.hash` (Node ≥ 20.12) is several times faster than a Hash object per row;
// the re-run of an unchanged week is mostly hashing.
const sha256: (text: string) => string =
  typeof crypto.hash === "function"
    ? (text) => crypto.hash("sha256", text, "hex")
    : (text) => crypto.createHash("sha256").update(text).digest("hex")

/** Cuts rows into jobs of at most `maxRecords` rows and `maxBytes` of CSV, one row per external id (last wins). */
class JobCutter {
  private rows = new Map<string, PlannedRow>()
  private bytes: number
  private index = 0

  constructor(
    private readonly header: string,
    private readonly options: PlanOptions,
    private readonly tally: PlanTally,
  ) {
    this.bytes = Buffer.byteLength(header) + 1
  }

  add(row: PlannedRow): Array<JobPayload> {
    const headerBytes = Buffer.byteLength(this.header) + 1
    if (headerBytes + row.bytes > this.options.maxBytes) {
      throw new SalesforceSyncError({
        message: `row ${row.externalId} needs ${row.bytes} bytes of CSV, more than a Bulk job may hold`,
        details: { externalId: row.externalId, bytes: row.bytes, maxBytes: this.options.maxBytes },
      })
    }
    const previous = this.rows.get(row.externalId)
    if (previous !== undefined) {
      this.tally.duplicateRows += 1
      this.bytes -= previous.bytes
      this.rows.delete(row.externalId)
    }
    const full = this.rows.size >= this.options.maxRecords || this.bytes + row.bytes > this.options.maxBytes
    const done = full ? this.flush() : []
    this.rows.set(row.externalId, row)
    this.bytes += row.bytes
    return done
  }

  flush(): Array<JobPayload> {
    if (this.rows.size === 0) return []
    const rows = [...this.rows.values()]
    this.rows = new Map()
    this.bytes = Buffer.byteLength(this.header) + 1
    this.index += 1
    const lines = [this.header, ...rows.map((r) => r.line)]
    return [
      {
        index: this.index,
        csv: `${lines.join("\n")}\n`,
        rows: rows.map((r) => ({ externalId: r.externalId, contentHash: r.contentHash })),
      },
    ]
  }
}

/** A row whose content differs from what Salesforce last got (every row with `fullResync`), with its hash. */
export interface ChangedRow {
  readonly row: CustomerWeeklyMetrics
  readonly externalId: string
  readonly contentHash: string
}

/**
 * The rows a sync sends, in view order: each row hashed, compared in batches with the hash it was
 * last synced with, and only new or changed ones (every one with `fullResync`) kept; `tally`
 * counts them as they stream past.
 */
export const changedRows = <E>(
  rows: Stream.Stream<CustomerWeeklyMetrics, E>,
  options: Pick<PlanOptions, "mapping" | "objectName" | "fullResync">,
  tally: PlanTally,
): Stream.Stream<ChangedRow, E | WarehouseError, SyncLedger> =>
  Stream.unwrap(
    Effect.gen(function* () {
      const ledger = yield* SyncLedger
      const hash = contentHasher(options.objectName, options.mapping)
      const key = options.mapping.externalIdColumn
      const classify = (batch: Chunk.Chunk<CustomerWeeklyMetrics>) =>
        Effect.gen(function* () {
          const mapped = Chunk.toReadonlyArray(batch).map((row) => ({
            row,
            externalId: String(row[key]),
            contentHash: hash(row),
          }))
          const synced = yield* ledger.syncedHashes(mapped.map((r) => r.externalId))
          return mapped.filter((row) => {
            const last = synced.get(row.externalId)
            if (last === undefined) tally.newRows += 1
            else if (last !== row.contentHash) tally.changedRows += 1
            else {
              tally.unchangedRows += 1
              return options.fullResync
            }
            return true
          })
        })
      return rows.pipe(Stream.grouped(LOOKUP_BATCH), Stream.mapEffect(classify), Stream.flattenIterables)
    }),
  )

/** The jobs a sync sends: the changed rows (`changedRows`) cut into jobs of CSV. */
export const planJobs = <E>(
  rows: Stream.Stream<CustomerWeeklyMetrics, E>,
  options: PlanOptions,
  tally: PlanTally,
): Stream.Stream<JobPayload, E | WarehouseError | SalesforceSyncError, SyncLedger> =>
  Stream.suspend(() => {
    const mapRow = rowMapper(options.mapping)
    const cutter = new JobCutter(csvLine(options.mapping.fields), options, tally)
    const cut = (changed: ChangedRow) =>
      Effect.try({
        try: () => {
          const line = csvLine(mapRow(changed.row))
          const bytes = Buffer.byteLength(line) + 1
          return cutter.add({ externalId: changed.externalId, contentHash: changed.contentHash, line, bytes })
        },
        catch: (e) => e as SalesforceSyncError,
      })
    return changedRows(rows, options, tally).pipe(
      Stream.mapConcatEffect(cut),
      Stream.concat(Stream.suspend(() => Stream.fromIterable(cutter.flush()))),
    )
  })
