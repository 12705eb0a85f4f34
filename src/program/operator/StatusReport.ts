import { Clock, Effect, Option } from "effect"
import type { PendingEntry } from "../../domain/PendingUpdate.js"
import { statePaths } from "../../domain/WeekPaths.js"
import { AppConfig } from "../../services/AppConfig.js"
import {
  describeWarehouse,
  type FailureCount,
  type OpenBulkJob,
  PipelineHistory,
  type RunRecord,
} from "../../services/PipelineHistory.js"
import { StateStore } from "../../services/StateStore.js"
import { checkpointAgeDays, isStale, STALE_AFTER_DAYS } from "../pipeline/Checkpoint.js"
import { pendingLineState } from "../pipeline/PendingQueue.js"

/** Runs `status` shows; `reverse-etl runs` shows more. */
export const STATUS_RUNS = 5

export interface CheckpointView {
  readonly nextWeekStart: string
  readonly nextWeekEnd: string
  readonly updatedAt: Date
  readonly ageDays: number
  readonly stale: boolean
}

export interface WaitingLine {
  /** 1-based, as a person counts the lines of the file. */
  readonly line: number
  readonly entry: PendingEntry
}

export interface PoisonLine {
  readonly line: number
  readonly reason: string
  readonly entry: Option.Option<PendingEntry>
  /** The line as the file holds it, cut at 200 characters. */
  readonly text: string
}

export type ProblemKind = "last_run_failed" | "stale_checkpoint" | "poison_line" | "salesforce_rows_failing"

/** Something only a person can fix; any one makes `status` exit with the needs-attention code. */
export interface Problem {
  readonly kind: ProblemKind
  readonly message: string
}

export interface StatusReport {
  readonly generatedAt: Date
  readonly warehouse: string
  readonly checkpoint: Option.Option<CheckpointView>
  readonly runs: ReadonlyArray<RunRecord>
  readonly queue: {
    readonly path: string
    readonly waiting: ReadonlyArray<WaitingLine>
    readonly poison: ReadonlyArray<PoisonLine>
  }
  readonly openBulkJobs: ReadonlyArray<OpenBulkJob>
  readonly salesforce: {
    /** The week the last sync sent: its rows not in sync are a problem, older weeks' only counted. */
    readonly lastSyncedWeek: Option.Option<{ readonly start: string; readonly end: string }>
    readonly failures: ReadonlyArray<FailureCount>
  }
  readonly problems: ReadonlyArray<Problem>
}

const preview = (line: string) => (line.length > 200 ? `${line.slice(0, 200)}…` : line)

const readQueue = Effect.gen(function* () {
  const lines = yield* (yield* StateStore).readPending
  const waiting: Array<WaitingLine> = []
  const poison: Array<PoisonLine> = []
  lines.forEach((text, index) => {
    const state = pendingLineState(text)
    if (state._tag === "Waiting") waiting.push({ line: index + 1, entry: state.entry })
    else poison.push({ line: index + 1, reason: state.reason, entry: state.entry, text: preview(text) })
  })
  return { waiting, poison }
})

const plural = (n: number, word: string) => `${n.toLocaleString("en-US")} ${word}${n === 1 ? "" : "s"}`

/** What in the report needs a person, each in a sentence that says what to do. */
export const problemsOf = (report: Omit<StatusReport, "problems">): ReadonlyArray<Problem> => {
  const problems: Array<Problem> = []
  const last = report.runs[0]
  if (last !== undefined && last.status === "FAILED") {
    problems.push({
      kind: "last_run_failed",
      message: `the last run ${last.runId} (week ${last.weekStart}..${last.weekEnd}) FAILED${
        last.failedStage === null ? "" : ` in ${last.failedStage}`
      }${last.errorType === null ? "" : `: ${last.errorType}`}${last.errorMessage === null ? "" : `: ${last.errorMessage}`}`,
    })
  }
  Option.map(report.checkpoint, (c) => {
    if (c.stale) {
      problems.push({
        kind: "stale_checkpoint",
        message: `the checkpoint has not moved for ${Math.floor(c.ageDays)} days (more than ${STALE_AFTER_DAYS}; week ${c.nextWeekStart}..${c.nextWeekEnd} runs next): runs may have been missed`,
      })
    }
  })
  for (const p of report.queue.poison) {
    problems.push({
      kind: "poison_line",
      message: `line ${p.line} of ${report.queue.path} is poison (${p.reason}): fix or delete it`,
    })
  }
  Option.map(report.salesforce.lastSyncedWeek, (week) => {
    const failing = report.salesforce.failures.filter((f) => f.weekStart === week.start)
    const rows = failing.reduce((sum, f) => sum + f.rows, 0)
    if (rows > 0) {
      const codes = failing.map((f) => `${f.errorCode ?? f.outcome} ${f.rows}`).join(", ")
      problems.push({
        kind: "salesforce_rows_failing",
        message: `${plural(rows, "row")} of week ${week.start}..${week.end} did not reach Salesforce in its last sync (${codes}): fix the data, then re-run the week; \`reverse-etl salesforce failures --week ${week.start}\` lists them`,
      })
    }
  })
  return problems
}

/**
 * Everything `status` shows, read from the warehouse (through the read-only PipelineHistory)
 * and from STATE_DIR, without changing either: nothing migrated, nothing replayed.
 */
export const readStatus = Effect.gen(function* () {
  const settings = yield* AppConfig
  const history = yield* PipelineHistory
  const now = yield* Clock.currentTimeMillis
  const checkpoint = Option.map(yield* history.checkpoint, (c): CheckpointView => {
    const ageDays = checkpointAgeDays(c.updatedAt, now)
    return {
      nextWeekStart: c.next.start,
      nextWeekEnd: c.next.end,
      updatedAt: c.updatedAt,
      ageDays,
      stale: isStale(ageDays),
    }
  })
  const runs = yield* history.runs({ week: Option.none(), limit: STATUS_RUNS })
  const queue = yield* readQueue
  const openBulkJobs = yield* history.openBulkJobs
  const lastSyncedWeek = yield* history.lastSyncedWeek
  const failures = yield* history.failureCounts
  const report = {
    generatedAt: new Date(now),
    warehouse: describeWarehouse(settings.warehouse),
    checkpoint,
    runs,
    queue: { path: statePaths(settings.locations).pendingUpdates, ...queue },
    openBulkJobs,
    salesforce: { lastSyncedWeek, failures },
  }
  return { ...report, problems: problemsOf(report) } satisfies StatusReport
})
