import { Deferred, Effect, Stream } from "effect"
import type { WarehouseError } from "../../domain/Errors.js"
import type { Crm, CrmError } from "../../services/Crm.js"
import type { LedgerJob, SyncLedger } from "../../services/SyncLedger.js"
import { addTally, emptyTally, type JobContext, type JobTally, reattachJob, submitJob } from "./SyncJobs.js"
import type { JobPayload } from "./SyncPlan.js"

/**
 * Collects the jobs earlier runs left, up to `concurrency` at once: they are all running in
 * Salesforce already, so waiting for them one by one would only add up their polling delays.
 */
export const reattachJobs = (
  jobs: ReadonlyArray<LedgerJob>,
  ctx: JobContext,
  concurrency: number,
): Effect.Effect<JobTally, CrmError | WarehouseError, Crm | SyncLedger> =>
  Effect.map(
    Effect.forEach(jobs, (job) => reattachJob(job, ctx), { concurrency }),
    (tallies) => tallies.reduce(addTally, emptyTally),
  )

interface Entered {
  readonly payload: JobPayload
  /** The jobs in flight that carry one of this job's external ids. */
  readonly after: ReadonlyArray<Deferred.Deferred<void>>
  readonly done: Deferred.Deferred<void>
}

/**
 * Keeps plan order for an external id that two jobs carry (a week repeating an id far apart):
 * the later job waits for the earlier one to end, so the later row wins as it did when jobs went
 * one at a time. `enter` runs in plan order; only the ids of jobs in flight are held.
 */
const sameIdsInPlanOrder = () => {
  const lastJobOf = new Map<string, Deferred.Deferred<void>>()
  const enter = (payload: JobPayload) =>
    Effect.map(Deferred.make<void>(), (done): Entered => {
      const after = new Set<Deferred.Deferred<void>>()
      for (const { externalId } of payload.rows) {
        const earlier = lastJobOf.get(externalId)
        if (earlier !== undefined) after.add(earlier)
        lastJobOf.set(externalId, done)
      }
      return { payload, after: [...after], done }
    })
  const leave = ({ payload, done }: Entered) =>
    Effect.suspend(() => {
      for (const { externalId } of payload.rows) {
        if (lastJobOf.get(externalId) === done) lastJobOf.delete(externalId)
      }
      return Deferred.succeed(done, undefined)
    })
  const run = <A, E, R>(entered: Entered, send: (payload: JobPayload) => Effect.Effect<A, E, R>) =>
    Effect.forEach(entered.after, Deferred.await, { discard: true }).pipe(
      Effect.zipRight(send(entered.payload)),
      Effect.ensuring(leave(entered)),
    )
  return { enter, run }
}

/**
 * Sends the planned jobs with at most `concurrency` in flight: each runs `submitJob` on its own
 * (ledger, create, upload, close, poll, results, ledger) while the plan cuts the next; a finished
 * job makes room for the next, whichever finishes first. Only `concurrency` payloads (and the one
 * being cut) are held at a time. The first job to fail stops the others where they are: the
 * ledger knows each of them, and the next run reattaches them instead of sending their rows again.
 */
export const submitJobs = <E, R>(
  jobs: Stream.Stream<JobPayload, E, R>,
  ctx: JobContext,
  concurrency: number,
  onJob: (sum: JobTally) => void = () => undefined,
): Effect.Effect<JobTally, E | CrmError | WarehouseError, R | Crm | SyncLedger> => {
  const order = sameIdsInPlanOrder()
  return jobs.pipe(
    Stream.mapEffect(order.enter),
    Stream.mapEffect((entered) => order.run(entered, (payload) => submitJob(payload, ctx)), {
      concurrency,
      unordered: true,
    }),
    Stream.runFold(emptyTally, (sum, tally) => {
      const next = addTally(sum, tally)
      onJob(next)
      return next
    }),
  )
}
