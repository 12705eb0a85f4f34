/** One internal batch of a job as the org ran it; times in milliseconds since the epoch. */
export interface BatchInterval {
  readonly jobId: string
  /** 0 for a job's first batch. */
  readonly index: number
  readonly rows: number
  /** When its job was closed. */
  readonly queuedAt: number
  readonly startedAt: number
  readonly endedAt: number
}

export interface SchedulerSettings {
  /** How many batches the org runs at once, across all jobs (≥ 1). */
  readonly parallelBatches: number
  /** How long one batch takes (≥ 0; 0 ends every batch the moment it starts). */
  readonly batchMs: number
}

interface Queued {
  readonly jobId: string
  readonly index: number
  readonly rows: number
  readonly queuedAt: number
}

interface Running extends Queued {
  readonly startedAt: number
  endsAt: number
}

interface JobProgress {
  pending: number
  started: boolean
  rowsDone: number
}

/**
 * The org's batch processing on real time: closed jobs' batches queue first in, first out across
 * jobs; at most `parallelBatches` run at once, each for `batchMs`. Nothing runs in the background:
 * every question first brings the schedule up to the clock, so the recorded intervals are exactly
 * the schedule (a batch starts the moment a slot frees), however late the question comes.
 */
export class SalesforceBatchScheduler {
  private readonly queue: Array<Queued> = []
  private running: Array<Running> = []
  private readonly ended: Array<BatchInterval> = []
  private readonly progress = new Map<string, JobProgress>()
  /** The time up to which the schedule has been played. */
  private cursor = 0

  constructor(
    readonly settings: SchedulerSettings,
    /** The org's clock in milliseconds since the epoch; tests may pass their own. */
    readonly clock: () => number = Date.now,
  ) {
    if (!Number.isInteger(settings.parallelBatches) || settings.parallelBatches < 1) {
      throw new RangeError(`parallelBatches must be an integer ≥ 1, got ${settings.parallelBatches}`)
    }
    if (!Number.isFinite(settings.batchMs) || settings.batchMs < 0) {
      throw new RangeError(`batchMs must be ≥ 0, got ${settings.batchMs}`)
    }
  }

  /** Queues a closed job's batches, one per entry of `batchRows`, behind every batch queued before. */
  enqueue(jobId: string, batchRows: ReadonlyArray<number>): void {
    const now = this.advance()
    this.progress.set(jobId, { pending: batchRows.length, started: false, rowsDone: 0 })
    this.queue.push(...batchRows.map((rows, index) => ({ jobId, index, rows, queuedAt: now })))
    this.advance()
  }

  /** Drops a job's batches not started yet (an aborted or deleted job); running ones run out. */
  cancel(jobId: string): void {
    const progress = this.progress.get(jobId)
    if (progress === undefined) return
    for (let i = this.queue.length - 1; i >= 0; i--) {
      if (this.queue[i]?.jobId === jobId) {
        this.queue.splice(i, 1)
        progress.pending -= 1
      }
    }
  }

  /** Where a job stands now: its batches not ended yet, whether any started, the rows of those ended. */
  jobProgress(jobId: string): Readonly<JobProgress> {
    this.advance()
    return this.progress.get(jobId) ?? { pending: 0, started: false, rowsDone: 0 }
  }

  /** Every batch ended so far, in the order they ended (optionally one job's). */
  intervals(jobId?: string): ReadonlyArray<BatchInterval> {
    this.advance()
    return this.ended.filter((b) => jobId === undefined || b.jobId === jobId)
  }

  /** Ends every queued and running batch now, as if the org had caught up at once. */
  finishAll(): void {
    const now = this.advance()
    for (const batch of this.running) batch.endsAt = Math.min(batch.endsAt, now)
    for (const batch of this.queue.splice(0)) this.start(batch, now, 0)
    this.advance()
  }

  /** Plays the schedule up to the clock: batches end, queued ones take the freed slots. */
  private advance(): number {
    const now = Math.max(this.clock(), this.cursor)
    for (;;) {
      while (this.running.length < this.settings.parallelBatches && this.queue.length > 0) {
        const batch = this.queue.shift() as Queued
        this.start(batch, Math.max(this.cursor, batch.queuedAt), this.settings.batchMs)
      }
      const next = this.running.reduce<Running | undefined>(
        (a, b) => (a === undefined || b.endsAt < a.endsAt ? b : a),
        undefined,
      )
      if (next === undefined || next.endsAt > now) break
      this.running = this.running.filter((b) => b !== next)
      this.cursor = next.endsAt
      const { jobId, index, rows, queuedAt, startedAt } = next
      this.ended.push({ jobId, index, rows, queuedAt, startedAt, endedAt: next.endsAt })
      const progress = this.progress.get(next.jobId)
      if (progress !== undefined) {
        progress.pending -= 1
        progress.rowsDone += next.rows
      }
    }
    this.cursor = now
    return now
  }

  private start(batch: Queued, at: number, durationMs: number) {
    this.running.push({ ...batch, startedAt: at, endsAt: at + durationMs })
    const progress = this.progress.get(batch.jobId)
    if (progress !== undefined) progress.started = true
  }
}
