import { existsSync, readFileSync } from "node:fs"
import { Effect, Ref } from "effect"
import { assertSucceeded, CELL_TIMEOUT, RUN, type RunResult } from "../support/reliability/FaultCell.js"
import { checkpointOf } from "../support/reliability/FaultOutputs.js"
import { type HarnessCase, type HarnessStand, harnessCell } from "../support/reliability/HarnessStand.js"
import { assert, describe, it } from "../support/vitest.js"

const ENOSPC = "ENOSPC: no space left on device"

/** The disk refused a write, and the error that ended the run says so. */
const diskFull = (stand: HarnessStand, result: RunResult) => {
  assert.isAtLeast(stand.disk.hits(), 1, "a write hit the full disk")
  const failed = result.logs.find((l) => l.message === "run failed")
  assert.include(String(failed?.error_message), ENOSPC)
}

/** A disk that fills up while `file` is written, after `afterBytes` of it (more for some seeds). */
const fullDuring = (name: string, file: RegExp, afterBytes: number): HarnessCase => ({
  name,
  inject: ({ disk, seed }) => disk.fill({ path: file, afterBytes: afterBytes * (1 + (seed % 3)) }),
  expect: "LocalStorageError",
  evidence: diskFull,
  heal: ({ disk }) => disk.heal(),
})

const CASES: ReadonlyArray<HarnessCase> = [
  fullDuring("disk full × raw.ndjson (extract)", /\/\.raw\.ndjson\.tmp-/, 60_000),
  fullDuring("disk full × events.parquet (transform)", /\/\.events\.parquet\.tmp-/, 20_000),
  fullDuring("disk full × rejects.parquet (transform)", /\/\.rejects\.parquet\.tmp-/, 1_000),
  {
    ...fullDuring("disk full × stage sidecar after the load", /\/\._stage_load_[^/]*\.tmp-/, 0),
    // Only a `--stage` process hands over through a sidecar: the stages before the load run as Airflow runs them.
    faulted: (stand) =>
      Effect.gen(function* () {
        for (const stage of ["extract", "transform"]) assertSucceeded(yield* stand.run([...RUN, "--stage", stage]))
        return yield* stand.run([...RUN, "--stage", "load"])
      }),
    // The week was in the warehouse already: the clean run replaces it, it does not add to it.
    evidence: (stand, result) => {
      diskFull(stand, result)
      assert.isNotEmpty(result.logs.filter((l) => l.message === "Week loaded into the warehouse"))
    },
  },
  {
    ...fullDuring("disk full × week marker (after the Salesforce sync)", /\/\._SUCCESS\.json\.tmp-/, 0),
    // Salesforce has the week already: the clean run finds every row unchanged and sends none.
    evidence: (stand, result) => {
      diskFull(stand, result)
      assert.isAbove(stand.h.org.records.size, 0)
    },
  },
  {
    name: "disk full × checkpoint mirror",
    inject: ({ disk }) => disk.fill({ path: /extractor_state/, afterBytes: 0 }),
    expect: "recovers",
    evidence: (stand, result) => {
      assert.isAtLeast(stand.disk.hits(), 1)
      assert.isNotEmpty(result.logs.filter((l) => l.message === "could not write the checkpoint mirror"))
      assert.isFalse(existsSync(`${stand.stateDir}/extractor_state.json`))
    },
  },
  {
    name: "disk full × state queue while the warehouse refuses the run and checkpoint writes",
    inject: ({ disk, outage }) => {
      disk.fill({ path: /pending_db_updates|extractor_state/, afterBytes: 0 })
      return Ref.set(outage, new Set(["startRun", "finishRun", "advanceCheckpoint"]))
    },
    expect: "recovers",
    evidence: (stand, result) => {
      // Nothing could be kept: each write is logged whole, to be replayed by hand.
      const lost = result.logs.filter((l) => l.level === "ERROR" && String(l.message).includes("nor queue it"))
      assert.deepStrictEqual(
        lost.map((l) => JSON.parse(String(l.pending_update)).update._tag),
        ["StartRun", "FinishRun", "AdvanceCheckpoint"],
      )
      assert.isFalse(existsSync(`${stand.stateDir}/pending_db_updates.jsonl`), "no torn queue")
      assert.strictEqual(checkpointOf(stand.sqlite), "2019-12-01")
    },
    heal: ({ disk, outage }) => {
      disk.heal()
      return Ref.set(outage, new Set())
    },
    // The week is done but the checkpoint still points at it: what `schedule` runs moves it on.
    clean: [...RUN, "--advance-on-skip"],
    after: (stand) => {
      const mirror = JSON.parse(readFileSync(`${stand.stateDir}/extractor_state.json`, "utf8"))
      assert.deepInclude(mirror, { next_week_start: "2019-12-08", warehouse_synced: true })
    },
  },
]

describe("fault matrix: the local disk fills up (FileSystem layer, in-process pipeline)", () => {
  for (const c of CASES) it.live(c.name, () => harnessCell(c), CELL_TIMEOUT)
})
