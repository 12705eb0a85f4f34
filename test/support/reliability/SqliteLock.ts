import { createRequire } from "node:module"
import { Worker } from "node:worker_threads"

const HOLDER = `
const { workerData, parentPort } = require("node:worker_threads")
const Database = require(workerData.driver)
parentPort.once("message", ({ holdMs }) => {
  const db = new Database(workerData.path)
  db.exec("BEGIN IMMEDIATE")
  Atomics.store(workerData.state, 0, 1)
  Atomics.notify(workerData.state, 0)
  setTimeout(() => {
    db.exec("COMMIT")
    db.close()
    Atomics.store(workerData.state, 0, 2)
    parentPort.close()
  }, holdMs)
})
`

/**
 * Another writer on the same SQLite file, in a thread of its own (SQLite's busy wait blocks the
 * thread that waits, so the holder must not share it). `lockFor` returns once the other thread
 * holds the write lock: a caller can take it at an exact point of a run, from a log line.
 */
export const sqliteLockHolder = (path: string) => {
  const state = new Int32Array(new SharedArrayBuffer(4))
  const driver = createRequire(import.meta.url).resolve("better-sqlite3")
  const worker = new Worker(HOLDER, { eval: true, workerData: { path, state, driver } })
  worker.unref()
  return {
    /** Takes the write lock now and keeps it for `holdMs` of real time. */
    lockFor: (holdMs: number) => {
      worker.postMessage({ holdMs })
      if (Atomics.wait(state, 0, 0, 10_000) === "timed-out") throw new Error(`could not lock ${path}`)
    },
    /** 0: never locked, 1: holding the lock, 2: released. */
    state: () => Atomics.load(state, 0),
  }
}
