import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { NodeFileSystem } from "@effect/platform-node"
import { SqlClient } from "@effect/sql"
import { Effect, Layer, Ref, TestClock } from "effect"
import type { RunFinish, RunStart } from "../../../src/domain/AuditRecords.js"
import { LocalStorageError } from "../../../src/domain/Errors.js"
import { encodePendingLine, newPendingEntry } from "../../../src/domain/PendingUpdate.js"
import { statePaths } from "../../../src/domain/WeekPaths.js"
import * as StateStoreFs from "../../../src/layers/state/StateStoreFs.js"
import {
  recordRunFinish,
  recordRunStart,
  recordStageFinish,
  recordStageStart,
  replayWrite,
} from "../../../src/program/pipeline/AuditTrail.js"
import { advanceCheckpoint } from "../../../src/program/pipeline/Checkpoint.js"
import { POISON_AFTER_ATTEMPTS, replayPendingUpdates } from "../../../src/program/pipeline/PendingQueue.js"
import { StateStore } from "../../../src/services/StateStore.js"
import { Warehouse } from "../../../src/services/Warehouse.js"
import { flakyWarehouse, type Outage } from "../../support/FlakyWarehouse.js"
import { captureLogs } from "../../support/logs.js"
import { assert, describe, it } from "../../support/vitest.js"
import { tempDir, WEEK, week } from "../../support/warehouse.js"

const NEXT = week("2019-12-08", "2019-12-14")

/** What a run does first: the queue replayed, each write by its owner. */
const replay = replayPendingUpdates(replayWrite)

const start = (runId: string): RunStart => ({
  runId,
  correlationId: `corr-${runId}`,
  week: WEEK,
  startedAt: new Date("2019-12-08T06:00:00.000Z"),
})

const finish = (runId: string): RunFinish => ({
  runId,
  status: "SUCCESS",
  metrics: { rows_fetched: 10, rows_output: 10, rows_rejected: 0, reject_rate_pct: 0, reject_threshold_pct: 5 },
  finishedAt: new Date("2019-12-08T06:30:00.000Z"),
  outputPath: "data/raw_events/week_start=2019-12-01/week_end=2019-12-07/events.parquet",
  rejectsPath: null,
  errorType: null,
  errorMessage: null,
})

interface Harness {
  readonly failing: Outage
  readonly stateDir: string
  readonly queueText: () => string
  readonly logs: ReturnType<typeof captureLogs>["lines"]
}

/** A migrated SQLite warehouse that can be taken down, state files in a temp dir, logs captured. */
const harness = <A, E>(body: (h: Harness) => Effect.Effect<A, E, Warehouse | StateStore | SqlClient.SqlClient>) =>
  Effect.gen(function* () {
    const failing = yield* Ref.make<ReadonlySet<string>>(new Set())
    const stateDir = tempDir("retl-audit-")
    const paths = statePaths({
      stateDir,
      localDataDir: "",
      localRejectsDir: "",
      lakeBasePath: "",
      lakeRejectsBasePath: "",
    })
    const logs = captureLogs()
    const state = StateStoreFs.layerAt(paths).pipe(Layer.provide(NodeFileSystem.layer))
    const queueText = () => (existsSync(paths.pendingUpdates) ? readFileSync(paths.pendingUpdates, "utf8") : "")
    return yield* Effect.gen(function* () {
      yield* (yield* Warehouse).migrate
      return yield* body({ failing, stateDir, queueText, logs: logs.lines })
    }).pipe(Effect.provide(Layer.mergeAll(flakyWarehouse(failing), state, logs.layer)))
  })

const queued = (text: string) =>
  text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as { update: { _tag: string }; attempts: number; lastError: string | null })

const runRow = (runId: string) =>
  Effect.flatMap(
    SqlClient.SqlClient,
    (sql) => sql`SELECT status, correlation_id FROM pipeline_run WHERE run_id = ${runId}`,
  )

describe("best-effort audit trail and replay of failed warehouse writes", () => {
  it.effect("queues a run or checkpoint write the warehouse refused, never fails, and replays it on the next run", () =>
    harness(({ failing, stateDir, queueText, logs }) =>
      Effect.gen(function* () {
        yield* TestClock.setTime(Date.parse("2019-12-08T06:00:00Z"))
        yield* Ref.set(failing, new Set(["*"]))
        yield* recordRunStart(start("run-1"))
        yield* recordStageStart({ runId: "run-1", stage: "extract", startedAt: new Date() })
        yield* recordStageFinish({
          runId: "run-1",
          stage: "extract",
          status: "SUCCESS",
          finishedAt: new Date(),
          rowsIn: null,
          rowsOut: 10,
          errorType: null,
          errorMessage: null,
        })
        yield* recordRunFinish(finish("run-1"))
        assert.deepStrictEqual(yield* advanceCheckpoint(WEEK), NEXT)
        // Stage writes are only logged; the run and the checkpoint wait in the queue, in order.
        assert.deepStrictEqual(
          queued(queueText()).map((e) => [e.update._tag, e.attempts, e.lastError]),
          [
            ["StartRun", 0, "warehouse startRun failed: connection reset"],
            ["FinishRun", 0, "warehouse finishRun failed: connection reset"],
            ["AdvanceCheckpoint", 0, "warehouse advanceCheckpoint failed: connection reset"],
          ],
        )
        assert.isTrue(
          logs.some(
            (l) => l.level === "WARN" && l.message === "could not record the start of stage extract in the warehouse",
          ),
        )
        const mirror = JSON.parse(readFileSync(`${stateDir}/extractor_state.json`, "utf8"))
        assert.deepInclude(mirror, {
          next_week_start: "2019-12-08",
          next_week_end: "2019-12-14",
          warehouse_synced: false,
        })

        yield* Ref.set(failing, new Set())
        assert.deepStrictEqual(yield* replay, { replayed: 3, kept: 0, poison: 0 })
        assert.strictEqual(queueText(), "")
        assert.deepStrictEqual(yield* runRow("run-1"), [{ status: "SUCCESS", correlation_id: "corr-run-1" }])
        const checkpoint = yield* (yield* Warehouse).readCheckpoint
        assert.deepStrictEqual(checkpoint._tag === "Some" ? checkpoint.value.next : undefined, NEXT)
        assert.isTrue(JSON.parse(readFileSync(`${stateDir}/extractor_state.json`, "utf8")).warehouse_synced)
        // Nothing left: a second replay has nothing to do.
        assert.deepStrictEqual(yield* replay, { replayed: 0, kept: 0, poison: 0 })
      }),
    ),
  )

  it.effect("keeps a run's end behind its start, so the end is never lost when only the start failed", () =>
    harness(({ failing, queueText }) =>
      Effect.gen(function* () {
        yield* Ref.set(failing, new Set(["startRun"]))
        yield* recordRunStart(start("run-2"))
        yield* Ref.set(failing, new Set())
        // The run row does not exist yet, so the end cannot be written either: it queues behind the start.
        yield* recordRunFinish(finish("run-2"))
        assert.deepStrictEqual(
          queued(queueText()).map((e) => e.update._tag),
          ["StartRun", "FinishRun"],
        )
        assert.deepStrictEqual(yield* replay, { replayed: 2, kept: 0, poison: 0 })
        assert.deepStrictEqual(yield* runRow("run-2"), [{ status: "SUCCESS", correlation_id: "corr-run-2" }])
      }),
    ),
  )

  it.effect("keeps what fails again, and a poison line never blocks the lines after it", () =>
    harness(({ stateDir, queueText, logs }) =>
      Effect.gen(function* () {
        const line = (update: Parameters<typeof newPendingEntry>[0]) =>
          encodePendingLine(newPendingEntry(update, new Date("2019-12-08T06:00:00Z")))
        const torn = '{"version":1,"queuedAt":"2019-12-08T06:00:00.000Z","attempts":0,"update":{"_tag":"Sta'
        const unknown = '{"version":2,"update":{"_tag":"DropTable"}}'
        writeFileSync(
          `${stateDir}/pending_db_updates.jsonl`,
          [
            torn,
            line({ _tag: "StartRun", run: start("run-3") }),
            unknown,
            line({ _tag: "FinishRun", run: finish("never-started") }),
            line({ _tag: "AdvanceCheckpoint", completed: WEEK }),
            "",
          ].join("\n"),
        )
        assert.deepStrictEqual(yield* replay, { replayed: 2, kept: 3, poison: 2 })
        assert.deepStrictEqual(yield* runRow("run-3"), [{ status: "RUNNING", correlation_id: "corr-run-3" }])
        const kept = queueText()
          .split("\n")
          .filter((l) => l !== "")
        assert.strictEqual(kept[0], torn)
        assert.strictEqual(kept[1], unknown)
        assert.deepInclude(JSON.parse(kept[2] ?? "{}"), { attempts: 1 })
        assert.include(JSON.parse(kept[2] ?? "{}").lastError, "its start was never recorded")
        const unreadable = logs.filter((l) => l.level === "ERROR" && l.message.includes("cannot be read"))
        assert.deepStrictEqual(
          unreadable.map((l) => l.annotations.pending_line),
          [1, 3],
        )
        // A write that keeps failing becomes poison too, and stays.
        for (let i = 1; i < POISON_AFTER_ATTEMPTS; i++) yield* replay
        const last = yield* replay
        assert.deepStrictEqual(last, { replayed: 0, kept: 3, poison: 3 })
        assert.deepInclude(JSON.parse(queueText().split("\n")[2] ?? "{}"), { attempts: POISON_AFTER_ATTEMPTS + 1 })
      }),
    ),
  )

  it.effect("logs the whole update when it can neither be written nor queued", () =>
    Effect.gen(function* () {
      const logs = captureLogs()
      const failing = yield* Ref.make<ReadonlySet<string>>(new Set(["*"]))
      const brokenDisk = Layer.succeed(
        StateStore,
        StateStore.of({
          readCheckpointMirror: Effect.dieMessage("unused"),
          writeCheckpointMirror: () => Effect.dieMessage("unused"),
          readPending: Effect.succeed([]),
          settlePending: () => Effect.void,
          appendPending: () =>
            Effect.fail(
              new LocalStorageError({
                message: "could not write state/pending_db_updates.jsonl: disk full",
              }),
            ),
        }),
      )
      yield* recordRunStart(start("run-4")).pipe(
        Effect.provide(Layer.mergeAll(flakyWarehouse(failing), brokenDisk, logs.layer)),
      )
      const line = logs.lines.find((l) => l.level === "ERROR")
      assert.include(line?.message, "nor queue it")
      assert.include(String(line?.annotations.pending_update), '"runId":"run-4"')
    }),
  )
})
