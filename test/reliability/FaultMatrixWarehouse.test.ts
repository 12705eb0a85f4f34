import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { Ref } from "effect"
import { CELL_TIMEOUT, RUN } from "../support/reliability/FaultCell.js"
import { checkpointOf } from "../support/reliability/FaultOutputs.js"
import { type HarnessCase, type HarnessStand, harnessCell } from "../support/reliability/HarnessStand.js"
import { type LiveCase, liveCell } from "../support/reliability/LiveStack.js"
import { sqliteLockHolder } from "../support/reliability/SqliteLock.js"
import { readQuery } from "../support/sqlite.js"
import { assert, describe, it } from "../support/vitest.js"

const down =
  (...operations: ReadonlyArray<string>) =>
  ({ outage }: HarnessStand) =>
    Ref.set(outage, new Set(operations))

const up = ({ outage }: HarnessStand) => Ref.set(outage, new Set())

/** The updates waiting in the replay queue, by kind. */
const queued = (stand: HarnessStand): Array<string> => {
  const file = `${stand.stateDir}/pending_db_updates.jsonl`
  if (!existsSync(file)) return []
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line).update._tag)
}

const runs = (stand: HarnessStand) => readQuery(stand.sqlite, "SELECT status FROM pipeline_run ORDER BY started_at")

const WEEK = ["run", "--week-start", "2019-12-01", "--week-end", "2019-12-07"]

const HARNESS_CASES: ReadonlyArray<HarnessCase> = [
  {
    name: "warehouse × audit writes failing (run, stage and checkpoint rows)",
    inject: down("startRun", "finishRun", "startStage", "finishStage", "advanceCheckpoint"),
    expect: "recovers",
    evidence: (stand) => {
      // Best effort: the run did its work; what the warehouse refused waits in the queue, in order.
      assert.deepStrictEqual(queued(stand), ["StartRun", "FinishRun", "AdvanceCheckpoint"])
      assert.strictEqual(checkpointOf(stand.sqlite), "2019-12-01")
      assert.deepStrictEqual(runs(stand), [])
      const mirror = JSON.parse(readFileSync(`${stand.stateDir}/extractor_state.json`, "utf8"))
      assert.deepInclude(mirror, { next_week_start: "2019-12-08", warehouse_synced: false })
    },
    heal: up,
    // The next run replays the queue first; the week itself is done and skipped.
    clean: WEEK,
    after: (stand) => {
      assert.deepStrictEqual(queued(stand), [])
      assert.deepStrictEqual(runs(stand), [{ status: "SUCCESS_WITH_REJECTS" }, { status: "SKIPPED" }])
    },
  },
  {
    name: "warehouse × load statements failing",
    inject: down("loadWeek"),
    expect: "WarehouseError",
    evidence: (stand) =>
      assert.deepStrictEqual(readQuery(stand.sqlite, "SELECT COUNT(*) AS n FROM ecom_events"), [{ n: 0 }]),
    heal: up,
  },
  {
    name: "warehouse × export view failing (Salesforce sync)",
    inject: down("exportRows"),
    expect: "WarehouseError",
    evidence: (stand) => assert.strictEqual(stand.h.org.records.size, 0),
    heal: up,
  },
  {
    name: "warehouse × unavailable (checkpoint unreadable)",
    inject: down("*"),
    expect: "CheckpointError",
    runRow: false,
    // Guessing a week could skip one or run one twice: nothing runs.
    evidence: (stand) => {
      assert.deepStrictEqual(stand.h.requests, [])
      assert.deepStrictEqual(queued(stand), [])
    },
    heal: up,
  },
  {
    name: "warehouse × unavailable during an explicit week's run",
    inject: down("*"),
    faulted: (stand) => stand.run(WEEK),
    expect: "WarehouseError",
    runRow: false,
    // The run's start and its failure wait in the queue; the clean run replays them first.
    evidence: (stand) => assert.deepStrictEqual(queued(stand), ["StartRun", "FinishRun"]),
    heal: up,
    after: (stand) => {
      assert.deepStrictEqual(queued(stand), [])
      assert.deepStrictEqual(runs(stand), [{ status: "FAILED" }, { status: "SUCCESS_WITH_REJECTS" }])
    },
  },
]

const LIVE_CASES: ReadonlyArray<LiveCase> = [
  {
    name: "warehouse × database cannot be opened (real process)",
    inject: (stack) => writeFileSync(`${stack.dir}/not-a-directory`, ""),
    process: true,
    env: { SQLITE_PATH: "not-a-directory/warehouse.sqlite" },
    expect: "WarehouseError",
    runRow: false,
    evidence: (stack) => assert.deepStrictEqual(stack.api.requests(), [], "the run never started"),
  },
  (() => {
    let holder: ReturnType<typeof sqliteLockHolder> | undefined
    return {
      name: "warehouse × database locked by another writer past busy_timeout during the load",
      inject: (stack) => {
        holder = sqliteLockHolder(stack.sqlite)
      },
      // Another writer takes the database just as the load starts, and keeps it until the load
      // has given up waiting (busy_timeout) and said it will retry: a sync point, not a race of times.
      faulted: (stack) =>
        stack.run(RUN, {}, (line) => {
          if (line.message === "load started") holder?.lock()
          if (line.message === "warehouse load failed, will retry if attempts remain") holder?.release()
        }),
      expect: "recovers",
      evidence: (_stack, result) => {
        assert.strictEqual(holder?.state(), 2, "the lock was taken and released")
        // SQLite gave up waiting after busy_timeout; the load was redone once the other writer was gone.
        const retried = result.logs.filter((l) => l.message === "warehouse load failed, will retry if attempts remain")
        assert.strictEqual(retried.length, 1)
        assert.include(String(retried[0]?.error_message), "database is locked")
        assert.isTrue(result.logs.some((l) => l.message === "load succeeded"))
      },
    } satisfies LiveCase
  })(),
]

describe("fault matrix: the warehouse (SQLite; flaky operations in-process, the real driver otherwise)", () => {
  for (const c of HARNESS_CASES) it.live(c.name, () => harnessCell(c), CELL_TIMEOUT)
  for (const c of LIVE_CASES) it.live(c.name, () => liveCell(c), CELL_TIMEOUT)
})
