import { parentPort, workerData } from "node:worker_threads"
import { Either } from "effect"
import { parseWeek } from "../../domain/Week.js"
import { BatchDecoder } from "./Batch.js"
import type { WorkerReply, WorkerRequest, WorkerSettings } from "./BatchRunner.js"

/** A worker thread of the transform stage: validates and encodes the row groups it is sent, one at a time. */
const settings = workerData as WorkerSettings
const week = Either.getOrThrow(parseWeek(settings.weekStart, settings.weekEnd))
const stamp = { week, ingestedAtMicros: settings.ingestedAtMicros }
const port = parentPort
if (port === null) throw new Error("BatchWorker runs only as a worker thread")

let decoder: BatchDecoder | undefined
const reply = (message: WorkerReply, transfer: Array<ArrayBuffer>) => port.postMessage(message, transfer)

// Buffers of encoded row groups, sent back once written, to encode the next ones into.
const spares: Array<ArrayBuffer> = []
const allocate = (size: number) => {
  const i = spares.findIndex((spare) => spare.byteLength >= size)
  return new Uint8Array(i < 0 ? new ArrayBuffer(Math.ceil(size * 1.25)) : (spares.splice(i, 1)[0] as ArrayBuffer))
}

port.on("message", (request: WorkerRequest) => {
  if ("begin" in request) {
    decoder = new BatchDecoder(request.begin, stamp, request.lines)
  } else if ("piece" in request) {
    decoder?.decode(request.piece)
    const spent = request.piece.buffer as ArrayBuffer
    reply({ spent, rejects: decoder?.takeRejects() ?? [] }, [spent])
  } else if ("recycle" in request) {
    if (spares.length < 2) spares.push(request.recycle)
  } else if (decoder !== undefined) {
    const result = decoder.finish(settings.encode, allocate)
    decoder = undefined
    reply({ result }, result.events === null ? [] : [result.events.bytes.buffer as ArrayBuffer])
  }
})
