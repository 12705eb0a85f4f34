import { FileSystem } from "@effect/platform"
import { Clock, Effect, Option } from "effect"
import { readEventRows } from "../../codecs/parquet/EventsParquetReader.js"
import { LocalStorageError } from "../../domain/Errors.js"
import type { StageName } from "../../domain/RunStatus.js"
import { AppConfig } from "../../services/AppConfig.js"
import { Lake } from "../../services/Lake.js"
import { operation } from "../../services/Operation.js"
import { Warehouse } from "../../services/Warehouse.js"
import { extract } from "../stages/Extract.js"
import { qualityGate } from "../stages/QualityGate.js"
import { salesforceSync } from "../stages/SalesforceSync.js"
import { transform } from "../stages/Transform.js"
import type { RunContext } from "./RunContext.js"
import { readSidecar, type Sidecar } from "./Sidecars.js"
import type { ExtractOutput, Facts, GateOutput, LoadOutput, SyncOutput, TransformOutput } from "./StageOutputs.js"
import { perSecond, withProgress } from "./StageProgress.js"

/** The sidecar an earlier stage of this run left; a stage cannot run without its input. */
export const requireSidecar = <S extends StageName>(ctx: RunContext, stage: S) =>
  Effect.flatMap(
    readSidecar(ctx, stage),
    Option.match({
      onSome: (sidecar): Effect.Effect<Sidecar<S>> => Effect.succeed(sidecar),
      onNone: () =>
        new LocalStorageError({
          message: `the ${stage} stage of run tag ${ctx.runTag} left no output for week ${ctx.week} on this disk${
            ctx.handOffThroughLake ? " nor in the lake" : " (with --local-only the stages must share a disk)"
          }: run --stage ${stage} first with the same AIRFLOW_CTX_DAG_RUN_ID`,
          details: { operation: "read sidecar", stage, run_tag: ctx.runTag, reason: "NotFound" },
        }),
    }),
  )

/**
 * Makes sure a file an earlier stage wrote is on this disk: it is used as it is when its size
 * matches; otherwise it is fetched from the lake (which checks its SHA-256) when stages hand over
 * there.
 */
const ensureLocal = (ctx: RunContext, local: string, lakePath: string, expected: Facts) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const info = yield* fs.stat(local).pipe(Effect.option)
    if (Option.isSome(info) && Number(info.value.size) === expected.sizeBytes) return
    if (!ctx.handOffThroughLake) {
      return yield* new LocalStorageError({
        message: `${local} is missing or not the file its stage wrote (${expected.sizeBytes} bytes expected)`,
        details: { operation: "read", path: local, reason: "NotFound" },
      })
    }
    const fetched = yield* Effect.flatMap(Lake, (lake) => lake.get(lakePath, local))
    if (fetched.sha256 !== expected.sha256) {
      return yield* new LocalStorageError({
        message: `${lakePath} in the lake is not the file its stage wrote (sha256 ${fetched.sha256}, expected ${expected.sha256})`,
        details: { operation: "get", path: lakePath, reason: "Mismatch" },
      })
    }
  })

const facts = (f: { path: string; sizeBytes: number; sha256: string }): Facts => ({
  path: f.path,
  sizeBytes: f.sizeBytes,
  sha256: f.sha256,
})

export const extractStep = (ctx: RunContext) =>
  Effect.gen(function* () {
    const seen = { pages: 0, rows: 0 }
    const result = yield* extract(ctx.paths, {
      onProgress: (p) => {
        seen.pages = p.pages
        seen.rows = p.rows
      },
    }).pipe(withProgress("extract", (s) => `${seen.pages} pages, ${seen.rows} records (${perSecond(seen.rows, s)})`))
    if (ctx.handOffThroughLake) yield* Effect.flatMap(Lake, (lake) => lake.put(ctx.paths.raw, ctx.paths.lakeRaw))
    return { raw: facts(result), rowsFetched: result.rowsFetched, pages: result.pages } satisfies ExtractOutput
  })

export const transformStep = (ctx: RunContext) =>
  Effect.gen(function* () {
    const input = yield* requireSidecar(ctx, "extract")
    yield* ensureLocal(ctx, ctx.paths.raw, ctx.paths.lakeRaw, input.output.raw)
    const ingestedAtMicros = (yield* Clock.currentTimeMillis) * 1000
    const seen = { rows: 0, rejected: 0 }
    const result = yield* transform(ctx.paths, {
      dryRun: false,
      ingestedAtMicros,
      onProgress: (p) => Object.assign(seen, p),
    }).pipe(
      withProgress(
        "transform",
        (s) => `${seen.rows.toLocaleString("en-US")} records, ${seen.rejected} rejected (${perSecond(seen.rows, s)})`,
      ),
    )
    if (result.events === null || result.rejects === null) return yield* Effect.dieMessage("transform wrote no files")
    if (ctx.handOffThroughLake) {
      const lake = yield* Lake
      yield* lake.put(ctx.paths.events, ctx.paths.lakeEvents)
      yield* lake.put(ctx.paths.rejects, ctx.paths.lakeRejects)
    }
    return {
      rowsFetched: result.rowsFetched,
      rowsValid: result.rowsValid,
      rowsRejected: result.rowsRejected,
      events: facts(result.events),
      rejects: facts(result.rejects),
      topRejectReasons: result.topRejectReasons,
    } satisfies TransformOutput
  })

export const loadStep = (ctx: RunContext) =>
  Effect.gen(function* () {
    const input = (yield* requireSidecar(ctx, "transform")).output
    yield* ensureLocal(ctx, ctx.paths.events, ctx.paths.lakeEvents, input.events)
    yield* ensureLocal(ctx, ctx.paths.rejects, ctx.paths.lakeRejects, input.rejects)
    const lake = yield* Lake
    const lakeEvents = ctx.useLake ? yield* lake.put(ctx.paths.events, ctx.paths.lakeEvents) : null
    const lakeRejects = ctx.useLake ? yield* lake.put(ctx.paths.rejects, ctx.paths.lakeRejects) : null
    const warehouse = yield* Warehouse
    const warehouseRows = yield* warehouse.loadWeek(ctx.week, readEventRows(ctx.paths.events))
    yield* Effect.logInfo("Week loaded into the warehouse").pipe(
      Effect.annotateLogs({ rows: warehouseRows, table: "ecom_events" }),
    )
    return {
      lakeEvents: lakeEvents && facts(lakeEvents),
      lakeRejects: lakeRejects && facts(lakeRejects),
      warehouseRows,
    } satisfies LoadOutput
  }).pipe(operation("load", { week_start: ctx.week.start, week_end: ctx.week.end, local_only: !ctx.useLake }))

export const gateStep = (ctx: RunContext) =>
  Effect.gen(function* () {
    const input = (yield* requireSidecar(ctx, "transform")).output
    const thresholdPct = (yield* AppConfig).quality.rejectThresholdPct
    return (yield* qualityGate(input, thresholdPct)) satisfies GateOutput
  })

/** The Salesforce sync of the run's week, for real or (`dryRun`) writing only the CSVs it would send. */
export const syncWeek = (ctx: RunContext, dryRun: boolean) => {
  const seen = { jobs: 0, sent: 0 }
  return Effect.map(
    salesforceSync(ctx.week, {
      runId: ctx.runId,
      dryRun,
      fullResync: ctx.options.fullResync,
      requireSalesforce: ctx.options.requireSalesforce,
      outputDir: ctx.paths.localDir,
      onProgress: (p) => Object.assign(seen, p),
    }).pipe(
      withProgress("salesforce-sync", () => `${seen.jobs} jobs done, ${seen.sent.toLocaleString("en-US")} rows sent`),
    ),
    (result): SyncOutput => ({
      skipped: result.skipped,
      reason: result.reason ?? null,
      sent: result.sent,
      created: result.created,
      updated: result.updated,
      failed: result.failed,
      unchanged: result.unchanged,
      jobs: result.jobs,
    }),
  )
}

export const syncStep = (ctx: RunContext) => syncWeek(ctx, false)
