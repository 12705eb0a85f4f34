import { FileSystem } from "@effect/platform"
import { Clock, Effect, Option } from "effect"
import { weekPaths } from "../../domain/WeekPaths.js"
import { localStorageError } from "../../platform/Files.js"
import { AppConfig } from "../../services/AppConfig.js"
import * as Extract from "../stages/Extract.js"
import * as QualityGate from "../stages/QualityGate.js"
import * as SalesforceSync from "../stages/SalesforceSync.js"
import * as Transform from "../stages/Transform.js"
import type { RunOutcome } from "./Pipeline.js"
import type { RunContext } from "./RunContext.js"
import { timed } from "./StageRunner.js"

/**
 * `--dry-run`: the week is fetched into a temporary directory (removed afterwards), validated
 * without writing Parquet, judged by the quality gate, and the Salesforce sync writes the CSVs it
 * would send without calling Salesforce. No lake, no warehouse write, no run row, no checkpoint.
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
      const checked = yield* Transform.validate(paths, { ingestedAtMicros }).pipe(timed(Transform.name))
      const gate = yield* QualityGate.run(ctx, checked).pipe(timed(QualityGate.name))
      // The CSVs go where the week's files would, not to the scratch directory: they are the result.
      const sync = yield* SalesforceSync.run(ctx).pipe(timed(SalesforceSync.name))
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
