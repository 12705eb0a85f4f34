import { FileSystem } from "@effect/platform"
import { Clock, Effect, Option, Schema } from "effect"
import { LocalStorageError } from "../../domain/Errors.js"
import type { FileFacts } from "../../domain/FileFacts.js"
import type { StageName } from "../../domain/RunStatus.js"
import { decodeSidecar, type StageSidecar } from "../../domain/StageSidecar.js"
import { WeekMarker } from "../../domain/WeekMarker.js"
import type { WeekPaths } from "../../domain/WeekPaths.js"
import { localStorageError, removeAbandonedTemps, writeFileAtomic } from "../../platform/Files.js"
import { Lake } from "../../services/Lake.js"
import type { RunContext } from "./RunContext.js"
import type { RunOptions } from "./RunOptions.js"

/**
 * The week's files across this disk and the lake; the one module that knows whether a run uses a
 * lake. "none": `--local-only`, every file stays on this disk. "copies": a full run also puts the
 * week's outputs and its marker in the lake. "handover": a `--stage` run, perhaps on an Airflow
 * worker that shares nothing with the others but the lake, also puts there every file and sidecar
 * the next stage needs, and fetches from there what it lacks on this disk.
 */
export type LakeUse = "none" | "copies" | "handover"

export const lakeUseOf = (options: Pick<RunOptions, "localOnly" | "stage">): LakeUse =>
  options.localOnly ? "none" : options.stage === "full" ? "copies" : "handover"

const usesLake = (ctx: RunContext) => ctx.lake !== "none"
const handsOverThroughLake = (ctx: RunContext) => ctx.lake === "handover"

/** A file of the week that a stage writes and a later one reads. */
export type WeekFile = "raw" | "events" | "rejects"

interface Placed {
  readonly local: string
  readonly lake: string
}

const placeOf = (paths: WeekPaths, file: WeekFile | "marker"): Placed => {
  switch (file) {
    case "raw":
      return { local: paths.raw, lake: paths.lakeRaw }
    case "events":
      return { local: paths.events, lake: paths.lakeEvents }
    case "rejects":
      return { local: paths.rejects, lake: paths.lakeRejects }
    case "marker":
      return { local: paths.marker, lake: paths.lakeMarker }
  }
}

const sidecarOf = (ctx: RunContext, stage: StageName): Placed => ({
  local: ctx.paths.sidecar(stage, ctx.runTag),
  lake: ctx.paths.lakeSidecar(stage, ctx.runTag),
})

const put = (placed: Placed) => Effect.flatMap(Lake, (lake) => lake.put(placed.local, placed.lake))

const localExists = (path: string) =>
  Effect.flatMap(FileSystem.FileSystem, (fs) => fs.exists(path).pipe(Effect.mapError(localStorageError("check", path))))

/** Fetches the lake's copy to this disk when `inLake` says the lake may hold one; answers whether it did. */
const fetchFromLake = (placed: Placed, inLake: boolean) =>
  Effect.gen(function* () {
    if (!inLake) return false
    const lake = yield* Lake
    if (!(yield* lake.exists(placed.lake))) return false
    yield* lake.get(placed.lake, placed.local)
    return true
  })

/** Puts one of the week's outputs in the lake when the run uses one: the lake copy, or null on this disk only. */
export const copyToLake = (ctx: RunContext, file: WeekFile) =>
  Effect.gen(function* () {
    if (!usesLake(ctx)) return null
    return yield* put(placeOf(ctx.paths, file))
  })

/**
 * Makes sure a file an earlier stage wrote is on this disk: it is used as it is when its size
 * matches; otherwise it is fetched from the lake (its SHA-256 checked) when stages hand over there.
 */
export const makeLocal = (ctx: RunContext, file: WeekFile, expected: FileFacts) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const placed = placeOf(ctx.paths, file)
    const info = yield* fs.stat(placed.local).pipe(Effect.option)
    if (Option.isSome(info) && Number(info.value.size) === expected.sizeBytes) return
    if (!handsOverThroughLake(ctx)) {
      return yield* new LocalStorageError({
        message: `${placed.local} is missing or not the file its stage wrote (${expected.sizeBytes} bytes expected)`,
        details: { operation: "read", path: placed.local, reason: "NotFound" },
      })
    }
    const fetched = yield* Effect.flatMap(Lake, (lake) => lake.get(placed.lake, placed.local))
    if (fetched.sha256 !== expected.sha256) {
      return yield* new LocalStorageError({
        message: `${placed.lake} in the lake is not the file its stage wrote (sha256 ${fetched.sha256}, expected ${expected.sha256})`,
        details: { operation: "get", path: placed.lake, reason: "Mismatch" },
      })
    }
  })

/** What a sidecar needs of a stage: its name and the schema its output is written and checked with. */
export interface HandedOver<A, I> {
  readonly name: StageName
  readonly Output: Schema.Schema<A, I>
}

export interface Sidecar<A> {
  readonly runId: string
  readonly durationMs: number
  readonly output: A
}

/**
 * Hands a finished stage's output to the next `--stage` process: the files it wrote put in the
 * lake when stages hand over there, then its sidecar written next to the week's output (and put
 * there too).
 */
export const handOver = <A, I>(
  ctx: RunContext,
  stage: HandedOver<A, I> & { readonly writes: ReadonlyArray<WeekFile> },
  output: A,
  durationMs: number,
) =>
  Effect.gen(function* () {
    const toLake = handsOverThroughLake(ctx)
    if (toLake) for (const file of stage.writes) yield* put(placeOf(ctx.paths, file))
    const encoded = yield* Schema.encode(stage.Output)(output).pipe(Effect.orDie)
    const sidecar = sidecarOf(ctx, stage.name)
    const body: StageSidecar = {
      stage: stage.name,
      run_id: ctx.runId,
      run_tag: ctx.runTag,
      week_start: ctx.week.start,
      week_end: ctx.week.end,
      finished_at: new Date(yield* Clock.currentTimeMillis).toISOString(),
      duration_ms: durationMs,
      output: encoded,
    }
    yield* writeFileAtomic(sidecar.local, `${JSON.stringify(body, null, 2)}\n`)
    if (toLake) yield* put(sidecar)
  })

const unreadable = (path: string, problem: string) =>
  new LocalStorageError({
    message: `sidecar ${path} cannot be read: ${problem}`,
    details: { operation: "read sidecar", path, reason: "Unreadable" },
  })

/**
 * The sidecar a stage of this run tag left, from this disk or else from the lake (another
 * worker's disk); none when neither has it. A sidecar of another week or tag, or one that does
 * not decode, is an error: handing over the wrong data is worse than stopping.
 */
export const readSidecar = <A, I>(ctx: RunContext, stage: HandedOver<A, I>) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const sidecar = sidecarOf(ctx, stage.name)
    const here = (yield* localExists(sidecar.local)) || (yield* fetchFromLake(sidecar, handsOverThroughLake(ctx)))
    if (!here) return Option.none<Sidecar<A>>()
    const path = sidecar.local
    const text = yield* fs.readFileString(path).pipe(Effect.mapError(localStorageError("read", path)))
    const envelope = decodeSidecar(text)
    if (envelope._tag === "Left") return yield* unreadable(path, envelope.left.message)
    const e = envelope.right
    if (
      e.stage !== stage.name ||
      e.run_tag !== ctx.runTag ||
      e.week_start !== ctx.week.start ||
      e.week_end !== ctx.week.end
    ) {
      return yield* unreadable(
        path,
        `it belongs to ${e.stage} of run tag ${e.run_tag}, week ${e.week_start}..${e.week_end}`,
      )
    }
    const output = Schema.decodeUnknownEither(stage.Output)(e.output)
    if (output._tag === "Left") return yield* unreadable(path, output.left.message)
    return Option.some<Sidecar<A>>({ runId: e.run_id, durationMs: e.duration_ms, output: output.right })
  })

/** The sidecar an earlier stage of this run left; a stage cannot run without its input. */
export const requireSidecar = <A, I>(ctx: RunContext, stage: HandedOver<A, I>) =>
  Effect.flatMap(
    readSidecar(ctx, stage),
    Option.match({
      onSome: (sidecar): Effect.Effect<Sidecar<A>> => Effect.succeed(sidecar),
      onNone: () =>
        new LocalStorageError({
          message: `the ${stage.name} stage of run tag ${ctx.runTag} left no output for week ${ctx.week} on this disk${
            handsOverThroughLake(ctx) ? " nor in the lake" : " (with --local-only the stages must share a disk)"
          }: run --stage ${stage.name} first with the same AIRFLOW_CTX_DAG_RUN_ID`,
          details: { operation: "read sidecar", stage: stage.name, run_tag: ctx.runTag, reason: "NotFound" },
        }),
    }),
  )

/** Writes `_SUCCESS.json`, here and in the lake when the run uses one: from then on the week is done. */
export const writeMarker = (ctx: RunContext, marker: WeekMarker) =>
  Effect.gen(function* () {
    yield* writeFileAtomic(ctx.paths.marker, `${JSON.stringify(marker, null, 2)}\n`)
    if (usesLake(ctx)) yield* put(placeOf(ctx.paths, "marker"))
  })

const decodeMarker = Schema.decodeUnknownOption(Schema.parseJson(WeekMarker))

/** The marker of a done week, from this disk or the lake; none when absent or unreadable. */
export const readMarker = (ctx: RunContext) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const local = yield* fs.readFileString(ctx.paths.marker).pipe(Effect.option)
    if (Option.isSome(local)) return decodeMarker(local.value)
    if (!(yield* fetchFromLake(placeOf(ctx.paths, "marker"), usesLake(ctx)))) return Option.none<WeekMarker>()
    return decodeMarker(yield* fs.readFileString(ctx.paths.marker).pipe(Effect.orElseSucceed(() => "")))
  })

/** Has a run already finished this week, here or in the lake? */
export const weekDone = (ctx: RunContext) =>
  Effect.gen(function* () {
    if (yield* localExists(ctx.paths.marker)) return true
    return usesLake(ctx) ? yield* Effect.flatMap(Lake, (lake) => lake.exists(ctx.paths.lakeMarker)) : false
  })

/** Where the run row says the week's outputs are: in the lake when the run uses one. */
export const recordedOutputs = (ctx: RunContext) => ({
  outputPath: usesLake(ctx) ? ctx.paths.lakeEvents : ctx.paths.events,
  rejectsPath: usesLake(ctx) ? ctx.paths.lakeRejects : ctx.paths.rejects,
})

/**
 * A done week whose lake copies went missing (a lake cleaned up, a run that crashed before its
 * uploads) gets them again from the local files: the upload is idempotent, so what is there stays.
 */
export const repairLakeCopies = (ctx: RunContext) =>
  Effect.gen(function* () {
    if (!usesLake(ctx)) return 0
    const fs = yield* FileSystem.FileSystem
    const lake = yield* Lake
    let redone = 0
    for (const file of ["events", "rejects", "marker"] as const) {
      const placed = placeOf(ctx.paths, file)
      if (!(yield* fs.exists(placed.local).pipe(Effect.orElseSucceed(() => false)))) continue
      if (yield* lake.exists(placed.lake)) continue
      yield* Effect.logWarning("The week is done but its lake copy is missing: uploading it again").pipe(
        Effect.annotateLogs({ path: placed.lake }),
      )
      yield* put(placed)
      redone++
    }
    return redone
  })

const SIDECAR = /(^|\/)_stage_[^/]+\.json$/

/** Removes `raw.ndjson` and every stage sidecar of the week, here and in the lake. */
export const removeIntermediates = (ctx: RunContext) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const names = yield* fs.readDirectory(ctx.paths.localDir).pipe(Effect.orElseSucceed(() => []))
    const local = [ctx.paths.raw, ...names.filter((n) => SIDECAR.test(n)).map((n) => `${ctx.paths.localDir}/${n}`)]
    for (const path of local) {
      yield* fs.remove(path, { force: true }).pipe(Effect.mapError(localStorageError("remove", path)))
    }
    if (!usesLake(ctx)) return
    const lake = yield* Lake
    const entries = yield* lake.list(ctx.paths.lakeDir)
    const remote = entries.map((e) => e.path).filter((p) => SIDECAR.test(p) || p === ctx.paths.lakeRaw)
    for (const path of remote) yield* lake.remove(path)
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
