import { Either } from "effect"
import { EventColumns } from "../../codecs/parquet/EventColumns.js"
import type { Allocate, EncodedRowGroup } from "../../codecs/parquet/RowGroups.js"
import { type BatchStamp, type RejectRow, toRejectRow } from "../../domain/OutputRows.js"
import type { QualityCounts } from "../../domain/QualityChecks.js"
import { decodeLine } from "./EventLine.js"
import { decodeFast } from "./FastEventLine.js"

/** What one row group's lines became: their events encoded (unless not encoding) and their rejects. */
export interface BatchResult {
  readonly lines: number
  readonly counts: QualityCounts
  readonly rejects: ReadonlyArray<RejectRow>
  readonly events: EncodedRowGroup | null
}

const NEWLINE = 0x0a
const CARRIAGE_RETURN = 0x0d

/**
 * Validates the lines of one row group, piece by piece as they are read: valid records become
 * its rows, invalid ones reject rows holding every reason and the line as received. A piece is
 * whole lines; a line ends at `\n` (a `\r` before it is dropped) or at the end of the piece.
 * An empty line is a record too, and a reject. Nothing refers to a piece once it is decoded.
 */
export class BatchDecoder {
  private readonly events: EventColumns
  private rejects: Array<RejectRow> = []
  private lines = 0
  private readonly from: number
  private readonly to: number

  constructor(
    private readonly firstLine: number,
    private readonly stamp: BatchStamp,
    expectedRows = 1024,
  ) {
    this.events = new EventColumns(expectedRows)
    this.from = stamp.week.startMicros
    this.to = stamp.week.endExclusiveMicros
  }

  decode(piece: Uint8Array): void {
    const bytes = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength)
    const { events, from, to } = this
    for (let start = 0; start < bytes.length; this.lines++) {
      let next = bytes.indexOf(NEWLINE, start)
      if (next < 0) next = bytes.length
      const end = next > start && bytes[next - 1] === CARRIAGE_RETURN ? next - 1 : next
      if (!decodeFast(bytes, start, end, events, from, to)) {
        const text = bytes.toString("utf8", start, end)
        const decoded = decodeLine(text, this.stamp.week, bytes.subarray(start, end))
        if (Either.isRight(decoded)) events.push(decoded.right)
        else this.rejects.push(toRejectRow(this.firstLine + this.lines, text, decoded.left, this.stamp))
      }
      start = next + 1
    }
  }

  /** The rejects found since the last call, handed over (a worker sends them on piece by piece). */
  takeRejects(): Array<RejectRow> {
    const rejects = this.rejects
    this.rejects = []
    return rejects
  }

  /** Counts what the dataset checks need and, unless `encode` is off (a dry run), encodes the row group. */
  finish(encode: boolean, allocate?: Allocate): BatchResult {
    const { events, stamp } = this
    return {
      lines: this.lines,
      counts: { validRows: events.length, ...events.offending(this.from, this.to) },
      rejects: this.rejects,
      events: encode && events.length > 0 ? events.encode(stamp, allocate) : null,
    }
  }
}
