import { Command, Options } from "@effect/cli"
import { Console, Effect, Either, Layer, Option } from "effect"
import { ConfigurationError } from "../../domain/Errors.js"
import { STAGES } from "../../domain/RunStatus.js"
import { parseWeek, WeekFromFlags } from "../../domain/Week.js"
import { runPipeline } from "../pipeline/Pipeline.js"
import { pipelineLayer } from "../pipeline/PipelineLayer.js"
import type { RunOptions } from "../pipeline/RunOptions.js"
import { outcomeJson, renderSummary } from "../pipeline/RunSummary.js"
import { runCommand } from "./CommandRuntime.js"
import { force, fullResync, localOnly, logFormat, requireSalesforce } from "./CommonOptions.js"
import { preflightForPlan, printRunPlan } from "./RunPlan.js"
import type { Wiring } from "./Wiring.js"

const options = {
  weekStart: Options.text("week-start").pipe(
    Options.withDescription("first day of the window, YYYY-MM-DD (overrides WEEK_START)"),
    Options.optional,
  ),
  weekEnd: Options.text("week-end").pipe(
    Options.withDescription("last day of the window, inclusive, YYYY-MM-DD (overrides WEEK_END)"),
    Options.optional,
  ),
  useCheckpoint: Options.boolean("use-checkpoint").pipe(
    Options.withDescription("run the week the warehouse checkpoint says is next"),
  ),
  stage: Options.choice("stage", ["full", ...STAGES]).pipe(
    Options.withDefault("full" as const),
    Options.withDescription("run every stage (full) or just one, as Airflow does one task each"),
  ),
  localOnly,
  dryRun: Options.boolean("dry-run").pipe(
    Options.withDescription(
      "preview the Salesforce CSVs the run would send (the week validated in a temporary directory); write nothing else",
    ),
  ),
  force,
  advanceOnSkip: Options.boolean("advance-on-skip").pipe(
    Options.withDescription("advance the checkpoint when the week is skipped as already done"),
  ),
  validateOnly: Options.boolean("validate-only").pipe(
    Options.withDescription("check the flags and settings, print the plan as one JSON line, run nothing"),
  ),
  requireSalesforce,
  fullResync,
  logFormat,
}

/** Checks the flags that need no settings: a window given on the command line must be whole and valid. */
export const validateRunFlags = (run: RunOptions): Effect.Effect<void, ConfigurationError> => {
  if (Option.isSome(run.weekStart) !== Option.isSome(run.weekEnd)) {
    const missing = Option.isNone(run.weekStart) ? "--week-start" : "--week-end"
    return Effect.fail(
      new ConfigurationError({
        message: `${missing} must be given together with ${missing === "--week-start" ? "--week-end" : "--week-start"}`,
        details: { setting: missing, rule: "both ends of the window are needed" },
      }),
    )
  }
  if (Option.isSome(run.weekStart) && Option.isSome(run.weekEnd)) {
    if (run.useCheckpoint) {
      return Effect.fail(
        new ConfigurationError({
          message: "--use-checkpoint cannot be combined with --week-start/--week-end",
          details: { setting: "--use-checkpoint", rule: "one source for the window" },
        }),
      )
    }
    return Either.match(parseWeek(run.weekStart.value, run.weekEnd.value, WeekFromFlags), {
      onLeft: Effect.fail,
      onRight: () => Effect.void,
    })
  }
  return Effect.void
}

export const runCommandOf = (wiring: Wiring) =>
  Command.make("run", options, ({ logFormat, ...run }) =>
    runCommand(
      wiring,
      "run",
      logFormat,
      Effect.gen(function* () {
        yield* validateRunFlags(run)
        if (run.validateOnly) {
          yield* preflightForPlan(run).pipe(Effect.provide(wiring.crm))
          return yield* printRunPlan(run)
        }
        const outcome = yield* runPipeline(run).pipe(Effect.provide(pipelineLayer(wiring, run, logFormat)))
        yield* Console.log(logFormat === "text" ? renderSummary(outcome) : JSON.stringify(outcomeJson(outcome)))
      }),
      Layer.empty,
    ),
  ).pipe(Command.withDescription("Run the weekly pipeline, in full or one stage"))
