import { FileSystem } from "@effect/platform"
import { Clock, Effect, Option } from "effect"
import { readEventRows } from "../../codecs/parquet/EventsParquetReader.js"
import type { Week } from "../../domain/Week.js"
import { weekPaths } from "../../domain/WeekPaths.js"
import { localStorageError } from "../../platform/Files.js"
import { AppConfig } from "../../services/AppConfig.js"
import { ScratchWarehouse } from "../../services/ScratchWarehouse.js"
import { Warehouse } from "../../services/Warehouse.js"
import * as Extract from "../stages/Extract.js"
import * as Load from "../stages/Load.js"
import * as QualityGate from "../stages/QualityGate.js"
import * as SalesforceSync from "../stages/SalesforceSync.js"
import * as Transform from "../stages/Transform.js"
import type { RunOutcome } from "./Pipeline.js"
import type { RunContext } from "./RunContext.js"
import { timed } from "./StageRunner.js"

/**
 * The week's validated events loaded, a row group at a time, into a scratch warehouse in the dry
 * run's temporary directory: its export view then answers the rows the real warehouse's will
 * once the week is loaded, computed by the same SQL.
 */
const aggregateWeek = (week: Week, events: string, scratch: string) =>
  Effect.gen(function* () {
    const warehouse = yield* (yield* ScratchWarehouse).open(`${scratch}/scratch-warehouse.sqlite`)
    const rows = yield* warehouse.loadWeek(week, readEventRows(events))
    yield* Effect.logInfo("Dry run: the week's events aggregated in a scratch warehouse").pipe(
      Effect.annotateLogs({ rows }),
    )
    return warehouse
  })

/**
 * `--dry-run`: the week is fetched and transformed into a temporary directory (removed
 * afterwards), judged by the quality gate, and aggregated in a scratch warehouse there; the
 * Salesforce sync then compares those rows with the sync state of the real warehouse, which it
 * only reads, and writes the CSVs a real run would send without calling Salesforce. No lake, no
 * warehouse write (not even its creation or a migration), no run row, no checkpoint.
 */
export const dryRunWeek = (ctx: RunContext) =>
  Effect.scoped(
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const settings = yield* AppConfig
      const scratch = yield* fs
        .makeTempDirectoryScoped({ prefix: "reverse-etl-dry-run-" })
        .pipe(Effect.mapError(localStorageError("create", "a temporary directory")))
      const paths = weekPaths({ ...settings.locations, localDataDir: scratch, localRejectsDir: scratch }, ctx.week)
      yield* Effect.logInfo("Dry run: nothing is written but the Salesforce CSVs").pipe(
        Effect.annotateLogs({ scratch }),
      )
      const fetched = yield* Extract.run({ ...ctx, paths }).pipe(timed(Extract.name))
      const ingestedAtMicros = (yield* Clock.currentTimeMillis) * 1000
      const transformed = yield* Transform.transform(paths, { ingestedAtMicros }).pipe(timed(Transform.name))
      // The counts without the scratch files' facts, which vanish with the directory.
      const checked: Transform.Validation = {
        rowsFetched: transformed.rowsFetched,
        rowsValid: transformed.rowsValid,
        rowsRejected: transformed.rowsRejected,
        topRejectReasons: transformed.topRejectReasons,
      }
      const gate = yield* QualityGate.run(ctx, checked).pipe(timed(QualityGate.name))
      const preview = yield* aggregateWeek(ctx.week, paths.events, scratch).pipe(timed(Load.name))
      // The CSVs go where the week's files would, not to the scratch directory: they are the result.
      const sync = yield* SalesforceSync.run(ctx).pipe(
        Effect.provideService(Warehouse, preview),
        timed(SalesforceSync.name),
      )
      return {
        runId: ctx.runId,
        runTag: ctx.runTag,
        week: ctx.week,
        status: gate.status,
        dryRun: true,
        stages: [],
        outputs: { extract: fetched, "quality-gate": gate, "salesforce-sync": sync },
        validation: Option.some(checked),
        nextWeek: Option.none(),
        lakeCopiesRedone: 0,
      } satisfies RunOutcome
    }),
  )
