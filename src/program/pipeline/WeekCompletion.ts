import { FileSystem } from "@effect/platform"
import { Clock, Effect, Option } from "effect"
import { runMetrics } from "../../domain/RunStatus.js"
import type { Week } from "../../domain/Week.js"
import { AppConfig } from "../../services/AppConfig.js"
import { localStorageError, writeFileAtomic } from "../../services/Files.js"
import { Lake } from "../../services/Lake.js"
import type { StateStore } from "../../services/StateStore.js"
import { Warehouse } from "../../services/Warehouse.js"
import { advanceCheckpoint, recordRunFinish } from "../AuditTrail.js"
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

/**
 * Ends a week that went through every stage: the run row finished with its status and metrics,
 * the `_SUCCESS.json` marker written (and put in the lake), the checkpoint advanced when this is
 * its week, and the run's sidecars and intermediate files removed.
 */
export const completeWeek = (ctx: RunContext, transform: TransformOutput, gate: GateOutput) =>
  Effect.gen(function* () {
    const settings = yield* AppConfig
    const now = new Date(yield* Clock.currentTimeMillis)
    const metrics = metricsOf(transform, settings.quality.rejectThresholdPct)
    const marker: WeekMarker = {
      run_id: ctx.runId,
      run_tag: ctx.runTag,
      week_start: ctx.week.start,
      week_end: ctx.week.end,
      status: gate.status,
      metrics,
      events: transform.events,
      rejects: transform.rejects,
      finished_at: now.toISOString(),
    }
    yield* writeFileAtomic(ctx.paths.marker, `${JSON.stringify(marker, null, 2)}\n`)
    if (ctx.useLake) yield* Effect.flatMap(Lake, (lake) => lake.put(ctx.paths.marker, ctx.paths.lakeMarker))
    yield* recordRunFinish({
      runId: ctx.runId,
      status: gate.status,
      metrics,
      finishedAt: now,
      outputPath: ctx.useLake ? ctx.paths.lakeEvents : ctx.paths.events,
      rejectsPath: ctx.useLake ? ctx.paths.lakeRejects : ctx.paths.rejects,
      errorType: null,
      errorMessage: null,
    })
    const next = yield* maybeAdvanceCheckpoint(ctx)
    yield* removeIntermediates(ctx)
    return { marker, next }
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
