import { Config, Effect, Option } from "effect"
import { ConfigurationError } from "../../domain/Errors.js"
import { safeRunTag } from "../../domain/RunTag.js"
import { parseWeek, type Week, WeekFromFlags } from "../../domain/Week.js"
import type { RunOptions } from "./RunOptions.js"

export type WeekSource = "flags" | "checkpoint" | "settings"

export const noWeek = new ConfigurationError({
  message: "no week to run: give --week-start and --week-end, or --use-checkpoint, or set WEEK_START and WEEK_END",
  details: { setting: "--week-start", rule: "one source for the window is needed" },
})

/**
 * Where the window comes from, in the order a run looks: flags, then the checkpoint, then
 * WEEK_START/WEEK_END. The checkpoint's week needs the warehouse, so it is left to the caller.
 */
export const weekSourceOf = (
  run: RunOptions,
  settingsWeek: Option.Option<Week>,
): Effect.Effect<{ readonly source: WeekSource; readonly week: Option.Option<Week> }, ConfigurationError> =>
  Effect.gen(function* () {
    if (Option.isSome(run.weekStart) && Option.isSome(run.weekEnd)) {
      const week = yield* parseWeek(run.weekStart.value, run.weekEnd.value, WeekFromFlags)
      return { source: "flags" as const, week: Option.some(week) }
    }
    if (run.useCheckpoint) return { source: "checkpoint" as const, week: Option.none<Week>() }
    if (Option.isSome(settingsWeek)) return { source: "settings" as const, week: settingsWeek }
    return yield* noWeek
  })

/** AIRFLOW_CTX_DAG_RUN_ID made safe for a file name, when Airflow set it. */
export const airflowRunTag: Effect.Effect<Option.Option<string>> = Config.option(
  Config.string("AIRFLOW_CTX_DAG_RUN_ID"),
).pipe(
  Effect.map((id) =>
    Option.map(
      Option.filter(id, (s) => s.trim().length > 0),
      safeRunTag,
    ),
  ),
  Effect.orElseSucceed(() => Option.none<string>()),
)
