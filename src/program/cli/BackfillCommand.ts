import { Command, Options } from "@effect/cli"
import { Clock, Console, Effect, Either, Exit, Layer } from "effect"
import { weeksCovering } from "../../domain/WeekRange.js"
import { type BackfillRow, renderBackfillTable } from "../pipeline/BackfillTable.js"
import { preparePipeline, runWeekOf } from "../pipeline/Pipeline.js"
import { pipelineLayer } from "../pipeline/PipelineLayer.js"
import { runOfWeek } from "../pipeline/RunOptions.js"
import { runCommand } from "./CommandRuntime.js"
import { force, fullResync, localOnly, logFormat, requireSalesforce } from "./CommonOptions.js"
import type { Wiring } from "./Wiring.js"

const options = {
  from: Options.text("from").pipe(Options.withDescription("first day of the first week, YYYY-MM-DD")),
  to: Options.text("to").pipe(Options.withDescription("a day of the last week, YYYY-MM-DD")),
  concurrency: Options.integer("concurrency").pipe(
    Options.withDefault(1),
    Options.withDescription("weeks run at once (each its own files and run row)"),
  ),
  force,
  localOnly,
  requireSalesforce,
  fullResync,
  logFormat,
}

/**
 * `reverse-etl backfill`: every seven-day week from `--from` to `--to`, each idempotent (a done
 * week is skipped), up to `--concurrency` at once, then a summary table. A failed week does not
 * stop the others; the command exits 1 if any failed.
 */
export const backfillCommandOf = (wiring: Wiring) =>
  Command.make("backfill", options, ({ logFormat, from, to, concurrency, ...flags }) =>
    runCommand(
      wiring,
      "backfill",
      logFormat,
      Effect.gen(function* () {
        const weeks = yield* Either.match(weeksCovering(from, to), { onLeft: Effect.fail, onRight: Effect.succeed })
        yield* Effect.logInfo("Backfill started").pipe(
          Effect.annotateLogs({ weeks: weeks.length, from, to, concurrency }),
        )
        const layer = pipelineLayer(wiring, runOfWeek(weeks[0] as (typeof weeks)[number], flags), logFormat)
        const rows = yield* Effect.gen(function* () {
          yield* preparePipeline
          return yield* Effect.forEach(
            weeks,
            (week) =>
              Effect.gen(function* () {
                const started = yield* Clock.currentTimeMillis
                const result = yield* Effect.exit(runWeekOf(runOfWeek(week, flags)))
                const durationMs = (yield* Clock.currentTimeMillis) - started
                return { week, durationMs, result } satisfies BackfillRow
              }),
            { concurrency: Math.max(1, concurrency) },
          )
        }).pipe(Effect.provide(layer))
        yield* Console.log(renderBackfillTable(rows))
        // Each failed week has logged its error; the command ends with the first one, so it exits 1.
        const firstFailure = rows.find((r) => Exit.isFailure(r.result))?.result
        if (firstFailure !== undefined) return yield* firstFailure
      }),
      Layer.empty,
    ),
  ).pipe(Command.withDescription("Run every week of a date range, each idempotent, and print a summary"))
