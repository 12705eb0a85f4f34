import { Worker } from "node:worker_threads"
import type { FileSystem } from "@effect/platform"
import { type PlatformError, SystemError } from "@effect/platform/Error"
import { Effect, Exit, Option, Queue, Scope } from "effect"
import type { BatchStamp, RejectRow } from "../../domain/OutputRows.js"
import { BatchDecoder, type BatchResult } from "./Batch.js"
import { type BufferPool, type LineRange, readPieces } from "./LineBatches.js"

/** What a worker thread needs to know about the run, as `workerData`. */
export interface WorkerSettings {
  /** The week's `raw.ndjson`, which the worker reads its row groups from itself. */
  readonly raw: string
  readonly weekStart: string
  readonly weekEnd: string
  readonly ingestedAtMicros: number
  readonly encode: boolean
  readonly rowGroupSize: number
}

/** What a worker is sent: a row group's lines to read and validate, or an encoded row group's buffer back. */
export type WorkerRequest = { readonly range: LineRange } | { readonly recycle: ArrayBuffer }

/**
 * What a worker answers: rejects as it finds them (so that no number of rejects piles up in a
 * worker), then the row group's result; or why it could not read the file.
 */
export type WorkerReply =
  | { readonly rejects: ReadonlyArray<RejectRow> }
  | { readonly result: BatchResult }
  | { readonly unreadable: { readonly code: string; readonly message: string } }

/** Validates row groups (`LineRange`s) one at a time, reading them itself. */
export interface Lane {
  readonly process: (range: LineRange) => Effect.Effect<BatchResult, PlatformError>
  /** Takes back the buffer of a result's encoded bytes, once written, to encode into again. */
  readonly recycle: (bytes: Uint8Array) => void
}

/**
 * Where the worker's code is. Built, it is the `.js` beside this file; from source (tests,
 * benchmarks) it is `.ts`, which a worker can only load through tsx, a dev dependency.
 */
const spawn = (settings: WorkerSettings): Worker => {
  const options = {
    workerData: settings,
    resourceLimits: {
      maxOldGenerationSizeMb: heapLimitMb(settings.rowGroupSize),
      maxYoungGenerationSizeMb: YOUNG_GENERATION_MB,
    },
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
 * bounds keep memory flat. The young generation is where a row's short-lived values die:
 * at 16 MB V8 scavenged so often that its GC helper threads spent half as much CPU as the
 * worker itself (measured per thread from /proc), time taken from the other worker on 2 cores.
 */
const YOUNG_GENERATION_MB = 48

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

/** What a worker that could not read `raw` says, as the error the main thread's read would have given. */
const unreadable = (raw: string, failure: { readonly code: string; readonly message: string }) =>
  new SystemError({
    reason: failure.code === "ENOENT" ? "NotFound" : failure.code === "EACCES" ? "PermissionDenied" : "Unknown",
    module: "FileSystem",
    method: "read",
    pathOrDescriptor: raw,
    description: failure.message,
  })

/**
 * A lane on a worker thread, which reads its row groups itself: this thread sends a byte range
 * and gets back the encoded row group. A row group too big for the worker's bounded heap (lines
 * of many megabytes) is validated again, whole, by `fallback` on this thread, and a new worker
 * takes the next row groups: the output is the same bytes either way.
 */
const workerLane = (settings: WorkerSettings, fallback: Lane) =>
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
    /** The replies to one range: its rejects as they come, then its result. */
    const onWorker = (range: LineRange) =>
      Effect.gen(function* () {
        current.worker.postMessage({ range } satisfies WorkerRequest)
        let rejects: Array<RejectRow> = []
        for (;;) {
          const reply = yield* Queue.take(current.inbox)
          if ("failed" in reply) return yield* Effect.die(reply.failed)
          if ("unreadable" in reply) return yield* Effect.fail(unreadable(settings.raw, reply.unreadable))
          if ("rejects" in reply) rejects = rejects.concat(reply.rejects)
          else return { ...reply.result, rejects: rejects.concat(reply.result.rejects) }
        }
      })
    const onThisThread = (range: LineRange) =>
      Effect.gen(function* () {
        yield* Effect.logWarning("Row group too big for a transform worker's heap; validated on the main thread").pipe(
          Effect.annotateLogs({ first_line: range.firstLine, lines: range.lines, bytes: range.end - range.start }),
        )
        current = yield* start
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
 * this thread when `workers` is 0. A worker reads its row groups from `raw` itself; this thread
 * (with no workers, or when a row group is too big for a worker) through a handle of its own
 * from `open`. Workers end with the scope.
 */
export const batchRunner = (
  raw: string,
  workers: number,
  rowGroupSize: number,
  stamp: BatchStamp,
  encode: boolean,
  pool: BufferPool,
  open: Effect.Effect<FileSystem.File, PlatformError, Scope.Scope>,
): Effect.Effect<BatchRunner, PlatformError, Scope.Scope> =>
  Effect.gen(function* () {
    const settings: WorkerSettings = {
      raw,
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
      lanes.push(workers === 0 ? inline : yield* workerLane(settings, inline))
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
