import { Command, Options } from "@effect/cli"
import { Cron, Effect, Either, Layer } from "effect"
import { ConfigurationError } from "../../domain/Errors.js"
import { AppConfig } from "../../services/AppConfig.js"
import { preparePipeline, runWeekOf } from "../pipeline/Pipeline.js"
import { pipelineLayer } from "../pipeline/PipelineLayer.js"
import { fullRun } from "../pipeline/RunOptions.js"
import { runOnSchedule } from "../pipeline/Scheduler.js"
import { runCommand } from "./CommandRuntime.js"
import { localOnly, logFormat, requireSalesforce } from "./CommonOptions.js"
import type { Wiring } from "./Wiring.js"

const options = {
  cron: Options.text("cron").pipe(
    Options.withDescription(
      "when to run, a cron expression in SCHEDULE_TIMEZONE (default SCHEDULE_CRON, 0 14 * * 1-5)",
    ),
    Options.optional,
  ),
  localOnly,
  requireSalesforce,
  logFormat,
}

/**
 * `reverse-etl schedule`: the checkpointed pipeline on a cron, as the Airflow DAG would run it,
 * one run at a time. SIGTERM/SIGINT stop it after the stage in progress (the run is recorded as
 * interrupted and its week runs again next time).
 */
export const scheduleCommandOf = (wiring: Wiring) =>
  Command.make("schedule", options, ({ logFormat, cron, ...flags }) => {
    const run = fullRun({ useCheckpoint: true, advanceOnSkip: true, ...flags })
    return runCommand(
      wiring,
      "schedule",
      logFormat,
      Effect.gen(function* () {
        const settings = (yield* AppConfig).schedule
        const expression = cron._tag === "Some" ? cron.value : settings.cron
        const parsed = Cron.parse(expression, settings.timeZone)
        if (Either.isLeft(parsed)) {
          return yield* new ConfigurationError({
            message: `--cron must be a cron expression valid in time zone ${settings.timeZone} (got "${expression}")`,
            details: { setting: "--cron", value: expression },
          })
        }
        yield* Effect.logInfo("Scheduler started").pipe(
          Effect.annotateLogs({ cron: expression, time_zone: settings.timeZone }),
        )
        // Each scheduled run is a run of its own: its own correlation id on every line it logs.
        const job = Effect.suspend(() =>
          Effect.zipRight(preparePipeline, runWeekOf(run, { stopBetweenStages: true })).pipe(
            Effect.annotateLogs({ correlation_id: crypto.randomUUID() }),
          ),
        )
        return yield* runOnSchedule(parsed.right, job).pipe(
          Effect.onInterrupt(() => Effect.logInfo("Scheduler stopped")),
          Effect.provide(pipelineLayer(wiring, run, logFormat)),
        )
      }),
      Layer.empty,
    )
  }).pipe(Command.withDescription("Run the checkpointed pipeline on a cron, one run at a time, until stopped"))
