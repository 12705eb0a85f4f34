import { Worker } from "node:worker_threads"
import type { FileSystem } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Effect, Exit, Option, Queue, Scope } from "effect"
import type { BatchStamp, RejectRow } from "../../domain/OutputRows.js"
import { BatchDecoder, type BatchResult } from "./Batch.js"
import { type BufferPool, type LineRange, readPieces } from "./LineBatches.js"

/** What a worker thread needs to know about the run, as `workerData`. */
export interface WorkerSettings {
  readonly weekStart: string
  readonly weekEnd: string
  readonly ingestedAtMicros: number
  readonly encode: boolean
  readonly rowGroupSize: number
}

/** What a worker is sent for one row group: where it starts, its pieces of lines, its end. */
export type WorkerRequest =
  | { readonly begin: number; readonly lines: number }
  | { readonly piece: Uint8Array }
  | { readonly end: true }
  | { readonly recycle: ArrayBuffer }

/**
 * What a worker answers: each piece's buffer handed back once decoded, with the piece's rejects
 * (so that no number of rejects piles up in a worker), then the row group's result.
 */
export type WorkerReply =
  | { readonly spent: ArrayBuffer; readonly rejects: ReadonlyArray<RejectRow> }
  | { readonly result: BatchResult }

/** Validates row groups (`LineRange`s) one at a time, reading them itself. */
export interface Lane {
  readonly process: (range: LineRange) => Effect.Effect<BatchResult, PlatformError>
  /** Takes back the buffer of a result's encoded bytes, once written, to encode into again. */
  readonly recycle: (bytes: Uint8Array) => void
}

/** Pieces a worker may hold at once: one being decoded, one waiting. */
const PIECES_IN_FLIGHT = 2

/**
 * Where the worker's code is. Built, it is the `.js` beside this file; from source (tests,
 * benchmarks) it is `.ts`, which a worker can only load through tsx, a dev dependency.
 */
const spawn = (settings: WorkerSettings): Worker => {
  const options = {
    workerData: settings,
    resourceLimits: { maxOldGenerationSizeMb: heapLimitMb(settings.rowGroupSize), maxYoungGenerationSizeMb: 16 },
  }
  const self = import.meta.url
  if (self.endsWith(".ts")) {
    const entry = new URL("./BatchWorker.ts", self).href
    const boot = `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(entry)}) })`
    return new Worker(boot, { ...options, eval: true })
  }
  return new Worker(new URL("./BatchWorker.js", self), options)
}

/**
 * A worker's heap holds its code and one row group's columns while they are encoded (about
 * 0.3 KB a row; text is held outside the heap, rejects are sent on as they are found). Left
 * unbounded, V8 lets a busy worker's heap grow to several times that before collecting; these
 * bounds (and a 16 MB young generation) keep memory flat for about 5% more CPU.
 */
export const heapLimitMb = (rowGroupSize: number): number => 48 + Math.ceil((rowGroupSize * 480) / (1024 * 1024))

const inlineLane = (file: FileSystem.File, stamp: BatchStamp, encode: boolean, pool: BufferPool): Lane => ({
  process: (range) =>
    Effect.suspend(() => {
      const decoder = new BatchDecoder(range.firstLine, stamp, range.lines)
      return readPieces(file, range, pool, (piece) =>
        Effect.sync(() => {
          decoder.decode(piece)
          pool.give(piece.buffer as ArrayBuffer)
        }),
      ).pipe(Effect.map(() => decoder.finish(encode)))
    }),
  recycle: () => {},
})

/** A worker stopped by its heap limit: a row group holding lines of many megabytes. */
const outOfMemory = (defect: unknown): boolean =>
  defect instanceof Error && (defect as NodeJS.ErrnoException).code === "ERR_WORKER_OUT_OF_MEMORY"

/**
 * A lane on a worker thread. A row group too big for the worker's bounded heap (lines of many
 * megabytes) is validated again, whole, by `fallback` on this thread, and a new worker takes
 * the next row groups: the output is the same bytes either way.
 */
const workerLane = (file: FileSystem.File, settings: WorkerSettings, pool: BufferPool, fallback: Lane) =>
  Effect.gen(function* () {
    const scope = yield* Effect.scope
    const start = Effect.gen(function* () {
      const worker = yield* Effect.acquireRelease(
        Effect.sync(() => spawn(settings)),
        (w) => Effect.promise(() => w.terminate()),
      )
      const inbox = yield* Queue.unbounded<WorkerReply | { readonly failed: Error }>()
      worker.on("message", (reply: WorkerReply) => inbox.unsafeOffer(reply))
      worker.on("error", (error) => inbox.unsafeOffer({ failed: error }))
      worker.on("exit", (code) => inbox.unsafeOffer({ failed: new Error(`transform worker exited with code ${code}`) }))
      return { worker, inbox }
    }).pipe(Scope.extend(scope))
    let current = yield* start
    let outstanding = 0
    let rejects: Array<RejectRow> = []
    const send = (request: WorkerRequest, transfer: ReadonlyArray<ArrayBuffer> = []) =>
      Effect.sync(() => current.worker.postMessage(request, [...transfer]))
    /** The next reply; a spent piece's buffer goes back to the pool, its rejects are kept. */
    const receive = Effect.flatMap(
      Effect.suspend(() => Queue.take(current.inbox)),
      (reply) => {
        if ("failed" in reply) return Effect.die(reply.failed)
        if ("spent" in reply) {
          outstanding--
          pool.give(reply.spent)
          rejects = rejects.concat(reply.rejects)
          return Effect.succeed(undefined)
        }
        const result = { ...reply.result, rejects: rejects.concat(reply.result.rejects) }
        rejects = []
        return Effect.succeed(result)
      },
    )
    const onWorker = (range: LineRange) =>
      Effect.gen(function* () {
        yield* send({ begin: range.firstLine, lines: range.lines })
        yield* readPieces(file, range, pool, (piece) =>
          Effect.gen(function* () {
            while (outstanding >= PIECES_IN_FLIGHT) yield* receive
            outstanding++
            yield* send({ piece }, [piece.buffer as ArrayBuffer])
          }),
        )
        yield* send({ end: true })
        for (;;) {
          const result = yield* receive
          if (result !== undefined) return result
        }
      })
    const onThisThread = (range: LineRange) =>
      Effect.gen(function* () {
        yield* Effect.logWarning("Row group too big for a transform worker's heap; validated on the main thread").pipe(
          Effect.annotateLogs({ first_line: range.firstLine, lines: range.lines, bytes: range.end - range.start }),
        )
        current = yield* start
        outstanding = 0
        rejects = []
        return yield* fallback.process(range)
      })
    const lane: Lane = {
      process: (range) =>
        onWorker(range).pipe(
          Effect.catchSomeDefect((defect) => (outOfMemory(defect) ? Option.some(onThisThread(range)) : Option.none())),
        ),
      recycle: (bytes) => {
        const buffer = bytes.buffer as ArrayBuffer
        current.worker.postMessage({ recycle: buffer } satisfies WorkerRequest, [buffer])
      },
    }
    return lane
  })

/** Runs row groups, `concurrency` at once (in order, by `Stream.mapEffect`). */
export interface BatchRunner {
  readonly run: (range: LineRange) => Effect.Effect<BatchResult, PlatformError>
  readonly concurrency: number
  /** Hands a written result's encoded bytes back to be encoded into again. */
  readonly recycle: (bytes: Uint8Array) => void
}

/**
 * Validates row groups on `workers` worker threads, each row group whole on one thread, or on
 * this thread when `workers` is 0. Each lane reads its row groups through a file handle of its
 * own from `open`. Workers end with the scope.
 */
export const batchRunner = (
  workers: number,
  rowGroupSize: number,
  stamp: BatchStamp,
  encode: boolean,
  pool: BufferPool,
  open: Effect.Effect<FileSystem.File, PlatformError, Scope.Scope>,
): Effect.Effect<BatchRunner, PlatformError, Scope.Scope> =>
  Effect.gen(function* () {
    const settings: WorkerSettings = {
      weekStart: stamp.week.start,
      weekEnd: stamp.week.end,
      ingestedAtMicros: stamp.ingestedAtMicros,
      encode,
      rowGroupSize,
    }
    const count = Math.max(workers, 1)
    const lanes: Array<Lane> = []
    for (let i = 0; i < count; i++) {
      const file = yield* open
      const inline = inlineLane(file, stamp, encode, pool)
      lanes.push(workers === 0 ? inline : yield* workerLane(file, settings, pool, inline))
    }
    const idle = yield* Queue.bounded<Lane>(count)
    yield* Queue.offerAll(idle, lanes)
    let next = 0
    return {
      // A lane that failed or was interrupted mid row group is not put back: the run is ending.
      run: (range) =>
        Effect.acquireUseRelease(
          Queue.take(idle),
          (lane) => lane.process(range),
          (lane, exit) => (Exit.isSuccess(exit) ? Queue.offer(idle, lane) : Effect.void),
        ),
      concurrency: count,
      recycle: (bytes) => lanes[next++ % lanes.length]?.recycle(bytes),
    }
  })
