import { FileSystem } from "@effect/platform"
import { Clock, Effect, Option } from "effect"
import { weekPaths } from "../../domain/WeekPaths.js"
import { localStorageError } from "../../platform/Files.js"
import { AppConfig } from "../../services/AppConfig.js"
import { extract } from "../stages/Extract.js"
import { qualityGate } from "../stages/QualityGate.js"
import { transform } from "../stages/Transform.js"
import type { RunOutcome } from "./Pipeline.js"
import type { RunContext } from "./RunContext.js"
import { syncWeek } from "./Steps.js"

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
      const fetched = yield* extract(paths)
      const ingestedAtMicros = (yield* Clock.currentTimeMillis) * 1000
      const checked = yield* transform(paths, { dryRun: true, ingestedAtMicros })
      const gate = yield* qualityGate(checked, settings.quality.rejectThresholdPct)
      const sync = yield* syncWeek(ctx, true)
      return {
        runId: ctx.runId,
        runTag: ctx.runTag,
        week: ctx.week,
        status: gate.status,
        dryRun: true,
        stages: [],
        outputs: {
          extract: { raw: fetched, rowsFetched: fetched.rowsFetched, pages: fetched.pages },
          "quality-gate": gate,
          "salesforce-sync": sync,
        },
        validation: Option.some(checked),
        nextWeek: Option.none(),
        lakeCopiesRedone: 0,
      } satisfies RunOutcome
    }),
  )
