import { Args, Command } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import { ConfigurationError } from "../../domain/Errors.js"
import { AppConfig } from "../../services/AppConfig.js"
import { describeWarehouse, PipelineHistory } from "../../services/PipelineHistory.js"
import { runJson, stageJson } from "../operator/OperatorJson.js"
import { renderRun } from "../operator/RunsText.js"
import { runsTable } from "../operator/StatusText.js"
import { runCommand } from "./CommandRuntime.js"
import { checkedLimit, checkedWeek, json, limit, operatorLogFormat, stdoutPaint, week } from "./OperatorOptions.js"
import type { Wiring } from "./Wiring.js"

const showCommandOf = (wiring: Wiring) =>
  Command.make(
    "show",
    {
      runId: Args.text({ name: "RUN_ID" }).pipe(Args.withDescription("a run id, as `runs` lists them")),
      json,
      logFormat: operatorLogFormat,
    },
    ({ runId, json, logFormat }) =>
      runCommand(
        wiring,
        "runs show",
        logFormat,
        Effect.gen(function* () {
          const found = yield* (yield* PipelineHistory).run(runId)
          if (Option.isNone(found)) {
            const where = describeWarehouse((yield* AppConfig).warehouse)
            return yield* new ConfigurationError({
              message: `RUN_ID ${JSON.stringify(runId)} is no run of pipeline_run in the warehouse (${where}); \`reverse-etl runs\` lists them`,
              details: { setting: "RUN_ID", value: runId, rule: "a run id of pipeline_run" },
            })
          }
          const { run, stages } = found.value
          yield* Console.log(
            json
              ? JSON.stringify({ run: runJson(run), stages: stages.map(stageJson) }, null, 2)
              : renderRun(run, stages, stdoutPaint()),
          )
        }),
        wiring.history,
      ),
  ).pipe(
    Command.withDescription("One run: its counts, error and files, and its stages with their durations and errors"),
  )

/** `reverse-etl runs [--week D] [--limit N]` and `reverse-etl runs show RUN_ID`. */
export const runsCommandOf = (wiring: Wiring) =>
  Command.make(
    "runs",
    { week, limit: limit(20), json, logFormat: operatorLogFormat },
    ({ week, limit, json, logFormat }) =>
      runCommand(
        wiring,
        "runs",
        logFormat,
        Effect.gen(function* () {
          const filter = { week: yield* checkedWeek(week), limit: yield* checkedLimit(limit) }
          const runs = yield* (yield* PipelineHistory).runs(filter)
          if (json) return yield* Console.log(JSON.stringify({ runs: runs.map(runJson) }, null, 2))
          yield* Console.log(runs.length === 0 ? "no runs recorded" : runsTable(runs, stdoutPaint()).join("\n"))
        }),
        wiring.history,
      ),
  ).pipe(
    Command.withDescription("The run history, newest first (reads only)"),
    Command.withSubcommands([showCommandOf(wiring)]),
  )
