import type { EventRecord } from "../../domain/EventRecord.js"
import type { BatchStamp } from "../../domain/OutputRows.js"
import { ByteColumn } from "./ByteColumn.js"
import { constantChunk, doubleChunk, timestampChunk } from "./NumberChunks.js"
import { type Allocate, type EncodedRowGroup, encodeChunks } from "./RowGroups.js"

const encoder = new TextEncoder()

/**
 * The valid events of one row group, column by column, as they are decoded. Times are epoch
 * microseconds; a price is NaN where absent (a valid price is always finite).
 */
export class EventColumns {
  length = 0
  eventTime: Float64Array
  price: Float64Array
  readonly eventType: ByteColumn
  readonly productId: ByteColumn
  readonly categoryId: ByteColumn
  readonly categoryCode: ByteColumn
  readonly brand: ByteColumn
  readonly userId: ByteColumn
  readonly userSession: ByteColumn

  constructor(capacity: number) {
    const rows = Math.max(capacity, 16)
    this.eventTime = new Float64Array(rows)
    this.price = new Float64Array(rows)
    this.eventType = new ByteColumn(rows)
    this.productId = new ByteColumn(rows)
    this.categoryId = new ByteColumn(rows)
    this.categoryCode = new ByteColumn(rows)
    this.brand = new ByteColumn(rows)
    this.userId = new ByteColumn(rows)
    this.userSession = new ByteColumn(rows)
  }

  /**
   * Sets the numbers of the next row; its text columns are pushed by the caller, then `commit`.
   * Split this way so the fast decoder writes text straight from the line's bytes.
   */
  pushNumbers(eventTime: number, price: number | null): void {
    if (this.length === this.eventTime.length) {
      const eventTime = new Float64Array(this.length * 2)
      eventTime.set(this.eventTime)
      this.eventTime = eventTime
      const price = new Float64Array(this.length * 2)
      price.set(this.price)
      this.price = price
    }
    this.eventTime[this.length] = eventTime
    this.price[this.length] = price ?? Number.NaN
  }

  commit(): void {
    this.length++
  }

  push(record: EventRecord): void {
    this.pushNumbers(record.event_time, record.price)
    this.eventType.push(record.event_type)
    this.productId.push(record.product_id)
    this.categoryId.push(record.category_id)
    this.categoryCode.push(record.category_code)
    this.brand.push(record.brand)
    this.userId.push(record.user_id)
    this.userSession.push(record.user_session)
    this.commit()
  }

  private texts(): ReadonlyArray<ByteColumn> {
    return [
      this.eventType,
      this.productId,
      this.categoryId,
      this.categoryCode,
      this.brand,
      this.userId,
      this.userSession,
    ]
  }

  /** Row `i` as the record it was decoded from. */
  row(i: number): EventRecord {
    const price = this.price[i] as number
    return {
      event_time: this.eventTime[i] as number,
      event_type: this.eventType.text(i) as string,
      product_id: this.productId.text(i),
      category_id: this.categoryId.text(i),
      category_code: this.categoryCode.text(i),
      brand: this.brand.text(i),
      price: Number.isNaN(price) ? null : price,
      user_id: this.userId.text(i) as string,
      user_session: this.userSession.text(i),
    }
  }

  /** Rows whose user_id is null, event_time outside `[fromMicros, toMicros)` or price negative. */
  offending(fromMicros: number, toMicros: number): { nullUserId: number; outsideWeek: number; negativePrice: number } {
    let outsideWeek = 0
    let negativePrice = 0
    for (let i = 0; i < this.length; i++) {
      const t = this.eventTime[i] as number
      if (t < fromMicros || t >= toMicros) outsideWeek++
      if ((this.price[i] as number) < 0) negativePrice++
    }
    return { nullUserId: this.userId.nullCount(), outsideWeek, negativePrice }
  }

  /**
   * Encodes the row group (columns in `EVENTS_SCHEMA`'s order) into a buffer from `allocate`,
   * then empties the columns: their buffers serve the next row group.
   */
  encode(stamp: BatchStamp, allocate: Allocate = (size) => new Uint8Array(size)): EncodedRowGroup {
    const n = this.length
    const group = encodeChunks(
      [
        timestampChunk("event_time", this.eventTime, n),
        this.eventType.chunk("event_type"),
        this.productId.chunk("product_id"),
        this.categoryId.chunk("category_id"),
        this.categoryCode.chunk("category_code"),
        this.brand.chunk("brand"),
        doubleChunk("price", this.price, n),
        this.userId.chunk("user_id"),
        this.userSession.chunk("user_session"),
        constantChunk("batch_week_start", encoder.encode(stamp.week.start), n),
        constantChunk("batch_week_end", encoder.encode(stamp.week.end), n),
        constantChunk("ingested_at", BigInt(stamp.ingestedAtMicros), n),
      ],
      allocate,
    )
    this.length = 0
    for (const column of this.texts()) column.reset()
    return group
  }
}
