import { closeSync, openSync, readSync } from "node:fs"
import { parentPort, workerData } from "node:worker_threads"
import { Either } from "effect"
import { parseWeek } from "../../domain/Week.js"
import { BatchDecoder } from "./Batch.js"
import type { WorkerReply, WorkerRequest, WorkerSettings } from "./BatchRunner.js"
import { type LineRange, RangeReader } from "./LineBatches.js"

/**
 * A worker thread of the transform stage: reads, validates and encodes the row groups it is
 * sent (byte ranges of `raw.ndjson`), one at a time, through a file handle of its own. The main
 * thread hands over a range and gets back the encoded row group: no line crosses threads.
 */
const settings = workerData as WorkerSettings
const week = Either.getOrThrow(parseWeek(settings.weekStart, settings.weekEnd))
const stamp = { week, ingestedAtMicros: settings.ingestedAtMicros }
const port = parentPort
if (port === null) throw new Error("BatchWorker runs only as a worker thread")

const reply = (message: WorkerReply, transfer: Array<ArrayBuffer> = []) => port.postMessage(message, transfer)

// Buffers of encoded row groups, sent back once written, to encode the next ones into.
const spares: Array<ArrayBuffer> = []
const allocate = (size: number) => {
  const i = spares.findIndex((spare) => spare.byteLength >= size)
  return new Uint8Array(i < 0 ? new ArrayBuffer(Math.ceil(size * 1.25)) : (spares.splice(i, 1)[0] as ArrayBuffer))
}

// The file is opened for each row group and closed after it: a terminated worker leaves no handle open.
let file = -1
const reader = new RangeReader((buffer, position) => readSync(file, buffer, 0, buffer.length, position))

/** A range's lines validated piece by piece; rejects go on as found, so none pile up here. */
const validateRange = (range: LineRange) => {
  const decoder = new BatchDecoder(range.firstLine, stamp, range.lines)
  try {
    file = openSync(settings.raw, "r")
    reader.read(range, (piece) => {
      decoder.decode(piece)
      const rejects = decoder.takeRejects()
      if (rejects.length > 0) reply({ rejects })
    })
  } catch (error) {
    // A file system error (it has a code) is the file's; anything else is a defect, as before.
    const { code, message } = error as NodeJS.ErrnoException
    if (typeof code !== "string") throw error
    return reply({ unreadable: { code, message } })
  } finally {
    if (file >= 0) closeSync(file)
    file = -1
  }
  const result = decoder.finish(settings.encode, allocate)
  reply({ result }, result.events === null ? [] : [result.events.bytes.buffer as ArrayBuffer])
}

port.on("message", (request: WorkerRequest) => {
  if ("range" in request) validateRange(request.range)
  else if (spares.length < 2) spares.push(request.recycle)
})
