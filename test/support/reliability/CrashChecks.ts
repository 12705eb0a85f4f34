import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { basename } from "node:path"
import { Either } from "effect"
import { decodePendingLine } from "../../../src/domain/PendingUpdate.js"
import type { SalesforceEmulator } from "../../../src/emulators/salesforce/SalesforceEmulator.js"
import { readQuery } from "../sqlite.js"
import { assert } from "../vitest.js"
import {
  type Deployment,
  filesUnder,
  LOST_RUN,
  PARTITION,
  parquetFiles,
  parquetRows,
  type Rows,
  rowDifference,
  WEEK,
  type WeekState,
  weekState,
} from "./CrashDeployment.js"
import type { ProcessRun } from "./CrashProcess.js"

/** What a clean run of the week left, for every trial to be compared with. */
export interface Reference {
  readonly state: WeekState
  readonly events: Rows
  readonly rejects: Rows
  /** `raw.ndjson` as the extract wrote it: a copy left on a disk must be the whole of it. */
  readonly raw: { readonly sizeBytes: number; readonly sha256: string }
}

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex")

const sameRows = (what: string, actual: Rows, expected: Rows) => {
  const difference = rowDifference(actual, expected)
  assert.isUndefined(difference, `${what}: ${difference}`)
}

/**
 * Salesforce processes a job once its upload is marked complete, whether anyone polls it or not;
 * the emulator only does so when asked. Every closed job is brought to its end, as the real
 * service would, before the org is compared: a job the pipeline lost track of would show here.
 */
const settleClosedJobs = (sf: SalesforceEmulator) => {
  sf.jobs.finishAll()
  for (const request of sf.requestsOf("closeJob")) {
    if (request.status === 200 && request.jobId !== undefined) sf.jobs.info(request.jobId)
  }
}

/**
 * Bulk API 2.0 applies a job's data only once its upload is marked complete (closed); an open
 * job's data is discarded when it is aborted or expires. So "no row sent twice" means: each
 * external id is in the upload of at most one closed job, and every closed job is in the ledger.
 */
const assertEachRowInOneClosedJob = (d: Deployment, label: string) => {
  const closed = new Set(
    d.sf
      .requestsOf("closeJob")
      .filter((r) => r.status === 200)
      .map((r) => r.jobId),
  )
  const ledger = new Set(readQuery(d.sqlite, "SELECT job_id FROM salesforce_sync_job").map((r) => String(r.job_id)))
  const jobOf = new Map<string, string>()
  for (const upload of d.sf.requestsOf("upload")) {
    if (upload.status !== 201 || upload.jobId === undefined) continue
    assert.isTrue(ledger.has(upload.jobId), `${label}: job ${upload.jobId} got data but is not in the job ledger`)
    if (!closed.has(upload.jobId)) continue
    assert.strictEqual(d.sf.jobs.state(upload.jobId), "JobComplete", `${label}: closed job ${upload.jobId}`)
    for (const id of upload.externalIds ?? []) {
      const earlier = jobOf.get(id)
      assert.isUndefined(earlier, `${label}: ${id} was sent in two closed jobs, ${earlier} and ${upload.jobId}`)
      jobOf.set(id, upload.jobId)
    }
  }
}

/**
 * Every file on the deployment's disks is whole: no temp file under a visible name, every JSON
 * file parses, a `raw.ndjson` left behind is the whole extract, every line of the pending queue
 * decodes. Answers how many hidden temp files the kills left (allowed: nothing reads them).
 */
const assertFilesWhole = (d: Deployment, reference: Reference, label: string) => {
  let hiddenTemps = 0
  for (const path of filesUnder(d.root)) {
    const name = basename(path)
    if (name.includes(".tmp-")) {
      assert.isTrue(name.startsWith("."), `${label}: temp file under a visible name: ${path}`)
      hiddenTemps++
    } else if (name.endsWith(".json")) {
      assert.doesNotThrow(() => JSON.parse(readFileSync(path, "utf8")), undefined, `${label}: ${path}`)
    } else if (name === "raw.ndjson") {
      assert.strictEqual(sha256(path), reference.raw.sha256, `${label}: ${path} is not the whole extract`)
    } else if (name === "pending_db_updates.jsonl") {
      const lines = readFileSync(path, "utf8")
        .split("\n")
        .filter((line) => line.trim() !== "")
      for (const line of lines) assert.isTrue(Either.isRight(decodePendingLine(line)), `${label}: ${path}: ${line}`)
    }
  }
  return hiddenTemps
}

/** The queue the suite seeded: the write that succeeded left it, the one that cannot was kept, whole. */
const assertQueueKept = (path: string, label: string) => {
  const lines = readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
  const entries = lines.map((line) => Either.getOrThrow(decodePendingLine(line)))
  assert.deepStrictEqual(
    entries.map((e) => (e.update._tag === "FinishRun" ? e.update.run.runId : e.update._tag)),
    [LOST_RUN],
    `${label}: ${path}`,
  )
  assert.isAbove(entries[0]?.attempts ?? 0, 0, `${label}: the kept write's failed replays are counted`)
}

const LAKE_EVENTS = `reverse_etl/raw_events/${PARTITION}`

/** The lake holds the week's files under their final names, whole, and no temp file under a visible name. */
const assertLakeWhole = (d: Deployment, marker: { events: { sizeBytes: number } }, label: string) => {
  const files = d.lake.files(d.container)
  for (const file of files) {
    const name = basename(file.path)
    if (name.includes(".tmp-")) assert.isTrue(name.startsWith("."), `${label}: lake temp file ${file.path}`)
  }
  const find = (path: string) => files.find((f) => f.path === path)
  assert.strictEqual(find(`${LAKE_EVENTS}/events.parquet`)?.size, marker.events.sizeBytes, `${label}: lake events`)
  assert.isDefined(find(`reverse_etl/raw_events_rejects/${PARTITION}/rejects.parquet`), `${label}: lake rejects`)
  assert.isDefined(find(`${LAKE_EVENTS}/_SUCCESS.json`), `${label}: lake marker`)
}

const CHECKPOINT_MOVES = new RegExp(
  `^(checkpoint: week ${WEEK.next}\\.\\.${WEEK.nextEnd} runs next|replayed the checkpoint after week ${WEEK.start}\\.)`,
)

/** How many times the processes of a trial moved the checkpoint past the week, by their log lines. */
const checkpointMoves = (runs: ReadonlyArray<ProcessRun>) =>
  runs
    .flatMap((run) => [...run.stderr.matchAll(/"message":"([^"]*)"/g)])
    .filter((m) => CHECKPOINT_MOVES.test(m[1] ?? "")).length

/**
 * After a crash and the runs that followed it: the deployment holds exactly what a clean run
 * left, nothing is half written, no row went to Salesforce twice, and the checkpoint moved once.
 */
export const assertLikeCleanRun = async (
  d: Deployment,
  runs: ReadonlyArray<ProcessRun>,
  reference: Reference,
  label: string,
  queuedOn: string,
) => {
  settleClosedJobs(d.sf)
  const state = weekState(d)
  sameRows(`${label}: warehouse ecom_events`, state.warehouse, reference.state.warehouse)
  sameRows(`${label}: Salesforce sync state`, state.syncState, reference.state.syncState)
  sameRows(`${label}: Salesforce records`, state.salesforce, reference.state.salesforce)
  assert.strictEqual(state.unfinishedJobs, 0, `${label}: Bulk jobs left uncollected in the ledger`)
  assertEachRowInOneClosedJob(d, label)

  assert.deepStrictEqual(
    state.checkpoint,
    [{ next_week_start: WEEK.next, next_week_end: WEEK.nextEnd }],
    `${label}: checkpoint`,
  )
  assert.isAtMost(checkpointMoves(runs), 1, `${label}: the checkpoint was moved more than once`)
  // A mirror is one worker's copy, written after the warehouse: a kill between the two leaves it behind, never ahead.
  for (const mirror of filesUnder(d.root).filter((p) => p.endsWith("/extractor_state.json"))) {
    const next = String(JSON.parse(readFileSync(mirror, "utf8")).next_week_start)
    assert.isTrue(next <= WEEK.next, `${label}: ${mirror} says ${next} runs next`)
  }
  assertQueueKept(`${d.root}/${queuedOn}/state/pending_db_updates.jsonl`, label)
  const finished = readQuery(d.sqlite, `SELECT status FROM pipeline_run WHERE status LIKE 'SUCCESS%'`)
  assert.isAbove(finished.length, 0, `${label}: no run row records the week's success`)

  const events = parquetFiles(d, "events.parquet")
  const rejects = parquetFiles(d, "rejects.parquet")
  assert.isAbove(events.length, 0, `${label}: no events.parquet`)
  assert.isAbove(rejects.length, 0, `${label}: no rejects.parquet`)
  for (const path of events) sameRows(`${label}: ${path}`, await parquetRows(path), reference.events)
  for (const path of rejects) sameRows(`${label}: ${path}`, await parquetRows(path), reference.rejects)

  const markers = filesUnder(d.root).filter((p) => p.endsWith(`${PARTITION}/_SUCCESS.json`))
  assert.isAbove(markers.length, 0, `${label}: no _SUCCESS.json`)
  const marker = JSON.parse(readFileSync(markers[0] as string, "utf8"))
  assertLakeWhole(d, marker, label)
  return { hiddenTemps: assertFilesWhole(d, reference, label), checkpointMoves: checkpointMoves(runs) }
}
