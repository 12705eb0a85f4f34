import type { FileSystem } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Effect, Option, Stream } from "effect"

const NEWLINE = 0x0a
const PIECE_BYTES = 1024 * 1024

/**
 * The lines of one row group: bytes `[start, end)` of `raw.ndjson`, lines `firstLine ..
 * firstLine + lines - 1` (0-based).
 */
export interface LineRange {
  readonly start: number
  readonly end: number
  readonly firstLine: number
  readonly lines: number
}

/**
 * The file cut into ranges of `linesPerRange` lines (the last may hold fewer), found by reading
 * it once through one reused buffer and counting newlines. Lines end at `\n`; text after the
 * last `\n` is a line of its own. Knowing where each row group starts lets several be read and
 * validated at once without holding any of them whole.
 */
export const lineRanges = (file: FileSystem.File, linesPerRange: number): Stream.Stream<LineRange, PlatformError> =>
  Stream.suspend(() => {
    const buffer = Buffer.alloc(PIECE_BYTES)
    let position = 0
    let start = 0
    let firstLine = 0
    let lines = 0
    let lastByte = NEWLINE
    let pending: Array<LineRange> = []
    let ended = false
    const pull: Effect.Effect<Option.Option<ReadonlyArray<LineRange>>, PlatformError> = Effect.suspend(() => {
      if (ended) return Effect.succeed(Option.none())
      return Effect.map(file.read(buffer), (size) => {
        const read = Number(size)
        if (read === 0) {
          ended = true
          if (position > start) {
            const count = lines + (lastByte === NEWLINE ? 0 : 1)
            pending.push({ start, end: position, firstLine, lines: count })
          }
        }
        const chunk = buffer.subarray(0, read)
        for (let at = chunk.indexOf(NEWLINE); at >= 0; at = chunk.indexOf(NEWLINE, at + 1)) {
          if (++lines === linesPerRange) {
            const end = position + at + 1
            pending.push({ start, end, firstLine, lines })
            start = end
            firstLine += lines
            lines = 0
          }
        }
        if (read > 0) lastByte = buffer[read - 1] as number
        position += read
        const found = pending
        pending = []
        return Option.some(found)
      })
    })
    return Stream.repeatEffectOption(
      pull.pipe(
        Effect.mapError(Option.some),
        Effect.flatMap(Option.match({ onNone: () => Effect.fail(Option.none()), onSome: Effect.succeed })),
      ),
    ).pipe(Stream.flattenIterables)
  })

/**
 * Buffers for pieces of lines. A piece's buffer goes out with it (to a worker thread, whole) and
 * comes back once the piece is decoded, so a week of any size streams through a few of them.
 */
export class BufferPool {
  private readonly free: Array<ArrayBuffer> = []
  private capacity = PIECE_BYTES

  /** A buffer of at least `bytes`; a line longer than a piece makes every buffer bigger from then on. */
  take(bytes: number): Uint8Array {
    if (bytes > this.capacity) {
      this.capacity = Math.max(bytes, this.capacity * 2)
      this.free.length = 0
    }
    return new Uint8Array(this.free.pop() ?? new ArrayBuffer(this.capacity))
  }

  give(buffer: ArrayBuffer): void {
    if (buffer.byteLength >= this.capacity && this.free.length < 16) this.free.push(buffer)
  }
}

/**
 * Reads `range` of `file` in pieces of whole lines, each in a buffer of its own from `pool`, and
 * hands each to `use` (which owns it from then on).
 */
export const readPieces = <E>(
  file: FileSystem.File,
  range: LineRange,
  pool: BufferPool,
  use: (piece: Uint8Array) => Effect.Effect<void, E>,
): Effect.Effect<void, PlatformError | E> =>
  Effect.gen(function* () {
    yield* file.seek(range.start, "start")
    let buffer = pool.take(0)
    let filled = 0
    let position = range.start
    for (;;) {
      if (filled === buffer.length) {
        const grown = pool.take(buffer.length * 2)
        grown.set(buffer)
        buffer = grown
      }
      const want = Math.min(buffer.length - filled, range.end - position)
      const read = want === 0 ? 0 : Number(yield* file.read(buffer.subarray(filled, filled + want)))
      position += read
      filled += read
      const done = position >= range.end || read === 0
      // Whole lines only: the text after the last newline waits for the rest of its line.
      const cut = done ? filled : buffer.lastIndexOf(NEWLINE, filled - 1) + 1
      if (cut > 0) {
        const next = pool.take(filled - cut)
        next.set(buffer.subarray(cut, filled))
        yield* use(buffer.subarray(0, cut))
        buffer = next
        filled -= cut
      }
      if (done) break
    }
  })

/** Reads bytes of a file from `position` into `buffer`, and says how many it read (0 past the end). */
export type ReadAt = (buffer: Uint8Array, position: number) => number

/**
 * `readPieces` for a worker thread that reads its own row groups: blocking reads through
 * `readAt` into one buffer, reused from piece to piece (grown while a line is longer than it),
 * each piece whole lines, handed to `use` before the next is read into the same bytes.
 */
export class RangeReader {
  private buffer = new Uint8Array(PIECE_BYTES)

  constructor(private readonly readAt: ReadAt) {}

  read(range: LineRange, use: (piece: Uint8Array) => void): void {
    let filled = 0
    let position = range.start
    for (;;) {
      if (filled === this.buffer.length) {
        const grown = new Uint8Array(this.buffer.length * 2)
        grown.set(this.buffer)
        this.buffer = grown
      }
      const buffer = this.buffer
      const want = Math.min(buffer.length - filled, range.end - position)
      const read = want === 0 ? 0 : this.readAt(buffer.subarray(filled, filled + want), position)
      position += read
      filled += read
      const done = position >= range.end || read === 0
      // Whole lines only: the text after the last newline waits for the rest of its line.
      const cut = done ? filled : buffer.lastIndexOf(NEWLINE, filled - 1) + 1
      if (cut > 0) {
        use(buffer.subarray(0, cut))
        buffer.copyWithin(0, cut, filled)
        filled -= cut
      }
      if (done) return
    }
  }
}
