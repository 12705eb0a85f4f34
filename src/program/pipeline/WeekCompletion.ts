import { FileSystem } from "@effect/platform"
import { Clock, Effect, Option } from "effect"
import type { RunFinish } from "../../domain/AuditRecords.js"
import { runMetrics } from "../../domain/RunStatus.js"
import type { Week } from "../../domain/Week.js"
import { localStorageError, removeAbandonedTemps, writeFileAtomic } from "../../platform/Files.js"
import { AppConfig } from "../../services/AppConfig.js"
import { Lake } from "../../services/Lake.js"
import type { StateStore } from "../../services/StateStore.js"
import { Warehouse } from "../../services/Warehouse.js"
import { advanceCheckpoint, recordRunFinish } from "./AuditTrail.js"
import type { RunContext } from "./RunContext.js"
import type { GateOutput, TransformOutput } from "./StageOutputs.js"
import type { WeekMarker } from "./WeekMarker.js"

const SIDECAR = /(^|\/)_stage_[^/]+\.json$/

/** Has a run already finished this week, here or in the lake? */
export const weekDone = (ctx: RunContext) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    if (yield* fs.exists(ctx.paths.marker).pipe(Effect.mapError(localStorageError("check", ctx.paths.marker)))) {
      return true
    }
    return ctx.useLake ? yield* Effect.flatMap(Lake, (lake) => lake.exists(ctx.paths.lakeMarker)) : false
  })

/**
 * A done week whose lake copies went missing (a lake cleaned up, a run that crashed before its
 * uploads) gets them again from the local files: the upload is idempotent, so what is there stays.
 */
export const repairLakeCopies = (ctx: RunContext) =>
  Effect.gen(function* () {
    if (!ctx.useLake) return 0
    const fs = yield* FileSystem.FileSystem
    const lake = yield* Lake
    let redone = 0
    for (const [local, remote] of [
      [ctx.paths.events, ctx.paths.lakeEvents],
      [ctx.paths.rejects, ctx.paths.lakeRejects],
      [ctx.paths.marker, ctx.paths.lakeMarker],
    ] as const) {
      if (!(yield* fs.exists(local).pipe(Effect.orElseSucceed(() => false)))) continue
      if (yield* lake.exists(remote)) continue
      yield* Effect.logWarning("The week is done but its lake copy is missing: uploading it again").pipe(
        Effect.annotateLogs({ path: remote }),
      )
      yield* lake.put(local, remote)
      redone++
    }
    return redone
  })

/**
 * The checkpoint moves only past the week it points at (or when there is none yet, or when the run
 * was asked for the checkpoint's week): an explicit run of a later week must not skip the weeks
 * in between, and a backfill of older weeks must not move it at all.
 */
const advancesTheCheckpoint = (ctx: RunContext) =>
  Effect.gen(function* () {
    if (ctx.options.useCheckpoint) return true
    const read = yield* Effect.either(Effect.flatMap(Warehouse, (w) => w.readCheckpoint))
    if (read._tag === "Left") {
      yield* Effect.logWarning("cannot read the checkpoint to tell whether this week moves it; left as it is")
      return false
    }
    return Option.match(read.right, { onNone: () => true, onSome: (c) => c.next.start === ctx.week.start })
  })

/** Advances the checkpoint past this week when it is the one to move, and says where it points. */
export const maybeAdvanceCheckpoint = (
  ctx: RunContext,
): Effect.Effect<Option.Option<Week>, never, Warehouse | StateStore> =>
  Effect.gen(function* () {
    if (!(yield* advancesTheCheckpoint(ctx))) {
      yield* Effect.logInfo("checkpoint left where it is: this week is not the one it points at")
      return Option.none()
    }
    return Option.some(yield* advanceCheckpoint(ctx.week))
  })

/** The run's metrics from the transform's counts. */
export const metricsOf = (transform: TransformOutput, thresholdPct: number) =>
  runMetrics(transform.rowsFetched, transform.rowsRejected, thresholdPct)

/** The run row of the run that marked the week done, as the marker records it. */
const runFinishOf = (ctx: RunContext, marker: WeekMarker): RunFinish => ({
  runId: marker.run_id,
  status: marker.status,
  metrics: marker.metrics,
  finishedAt: new Date(marker.finished_at),
  outputPath: ctx.useLake ? ctx.paths.lakeEvents : ctx.paths.events,
  rejectsPath: ctx.useLake ? ctx.paths.lakeRejects : ctx.paths.rejects,
  errorType: null,
  errorMessage: null,
})

/**
 * What follows the marker, each step idempotent: the run row finished, the intermediate files
 * removed, and last the checkpoint moved. A run killed anywhere in here leaves the checkpoint
 * behind its marker, which is how the next run of the week knows to do the rest (`interruptedEnd`).
 */
const endWeek = (ctx: RunContext, marker: WeekMarker) =>
  Effect.gen(function* () {
    yield* recordRunFinish(runFinishOf(ctx, marker))
    yield* removeIntermediates(ctx)
    return yield* maybeAdvanceCheckpoint(ctx)
  })

/**
 * Ends a week that went through every stage: the `_SUCCESS.json` marker written (and put in the
 * lake), then the run row finished with its status and metrics, the run's sidecars and
 * intermediate files removed, and the checkpoint advanced when this is its week.
 */
export const completeWeek = (ctx: RunContext, transform: TransformOutput, gate: GateOutput) =>
  Effect.gen(function* () {
    const settings = yield* AppConfig
    const now = new Date(yield* Clock.currentTimeMillis)
    const marker: WeekMarker = {
      run_id: ctx.runId,
      run_tag: ctx.runTag,
      week_start: ctx.week.start,
      week_end: ctx.week.end,
      status: gate.status,
      metrics: metricsOf(transform, settings.quality.rejectThresholdPct),
      events: transform.events,
      rejects: transform.rejects,
      finished_at: now.toISOString(),
    }
    yield* writeFileAtomic(ctx.paths.marker, `${JSON.stringify(marker, null, 2)}\n`)
    if (ctx.useLake) yield* Effect.flatMap(Lake, (lake) => lake.put(ctx.paths.marker, ctx.paths.lakeMarker))
    const next = yield* endWeek(ctx, marker)
    return { marker, next }
  })

/**
 * The marker of a week whose run died before the end of it, if that is what happened: the
 * checkpoint still points at the week (or there is none yet) and has not moved since the marker
 * was written. A checkpoint that came to the week after it was done (a backfill ran ahead) is
 * not owed a move.
 */
export const interruptedEnd = (ctx: RunContext, marker: Option.Option<WeekMarker>) =>
  Effect.gen(function* () {
    if (Option.isNone(marker)) return marker
    const read = yield* Effect.either(Effect.flatMap(Warehouse, (w) => w.readCheckpoint))
    if (read._tag === "Left") return Option.none<WeekMarker>()
    const owed = Option.match(read.right, {
      onNone: () => true,
      onSome: (c) => c.next.start === ctx.week.start && c.updatedAt.getTime() < Date.parse(marker.value.finished_at),
    })
    return owed ? marker : Option.none<WeekMarker>()
  })

/** Does the end of a week whose run was killed after writing its marker (see `interruptedEnd`). */
export const finishInterruptedWeek = (ctx: RunContext, marker: WeekMarker) =>
  Effect.gen(function* () {
    yield* Effect.logWarning("the run that finished this week stopped before its end: finishing it").pipe(
      Effect.annotateLogs({ marked_by_run: marker.run_id, marked_at: marker.finished_at }),
    )
    return yield* endWeek(ctx, marker)
  })

/** Removes `raw.ndjson` and every stage sidecar of the week, here and in the lake. */
export const removeIntermediates = (ctx: RunContext) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const names = yield* fs.readDirectory(ctx.paths.localDir).pipe(Effect.orElseSucceed(() => []))
    const local = [ctx.paths.raw, ...names.filter((n) => SIDECAR.test(n)).map((n) => `${ctx.paths.localDir}/${n}`)]
    for (const path of local) {
      yield* fs.remove(path, { force: true }).pipe(Effect.mapError(localStorageError("remove", path)))
    }
    if (ctx.useLake) {
      const lake = yield* Lake
      const entries = yield* lake.list(ctx.paths.lakeDir)
      const remote = entries.map((e) => e.path).filter((p) => SIDECAR.test(p) || p === ctx.paths.lakeRaw)
      for (const path of remote) yield* lake.remove(path)
    }
  })

/**
 * Removes the hidden temp files that killed runs of the week left in its directories on this
 * disk (a SIGKILL mid-transform leaves a half-written Parquet file); a live process's are kept.
 */
export const removeAbandonedTempsOfWeek = (ctx: RunContext) =>
  Effect.forEach([ctx.paths.localDir, ctx.paths.localRejectsDir], (dir) =>
    Effect.flatMap(removeAbandonedTemps(dir), (removed) =>
      removed > 0
        ? Effect.logInfo("Removed temp files left by killed runs").pipe(Effect.annotateLogs({ dir, removed }))
        : Effect.void,
    ),
  )
