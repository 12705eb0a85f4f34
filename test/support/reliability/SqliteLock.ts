import { createRequire } from "node:module"
import { Worker } from "node:worker_threads"

const HOLDER = `
const { workerData, parentPort } = require("node:worker_threads")
const Database = require(workerData.driver)
let db
parentPort.on("message", (op) => {
  if (op === "lock") {
    db = new Database(workerData.path)
    db.exec("BEGIN IMMEDIATE")
    Atomics.store(workerData.state, 0, 1)
  } else {
    db.exec("COMMIT")
    db.close()
    Atomics.store(workerData.state, 0, 2)
    parentPort.close()
  }
  Atomics.notify(workerData.state, 0)
})
`

/**
 * Another writer on the same SQLite file, in a thread of its own (SQLite's busy wait blocks the
 * thread that waits, so the holder must not share it). `lock` returns once the other thread
 * holds the write lock, `release` once it has let go: a caller takes and drops it at exact points
 * of a run, from its log lines, never after a guessed time.
 */
export const sqliteLockHolder = (path: string) => {
  const state = new Int32Array(new SharedArrayBuffer(4))
  const driver = createRequire(import.meta.url).resolve("better-sqlite3")
  const worker = new Worker(HOLDER, { eval: true, workerData: { path, state, driver } })
  worker.unref()
  return {
    /** Takes the write lock now and keeps it until `release`. */
    lock: () => {
      worker.postMessage("lock")
      if (Atomics.wait(state, 0, 0, 10_000) === "timed-out") throw new Error(`could not lock ${path}`)
    },
    /** Commits the other writer's transaction and closes its connection. */
    release: () => {
      worker.postMessage("release")
      if (Atomics.wait(state, 0, 1, 10_000) === "timed-out") throw new Error(`could not release ${path}`)
    },
    /** 0: never locked, 1: holding the lock, 2: released. */
    state: () => Atomics.load(state, 0),
  }
}
