import { Command, Options } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import { PipelineHistory } from "../../services/PipelineHistory.js"
import { failedRowsTable, writeFailedRowsCsv } from "../operator/FailedRowsOutput.js"
import { runCommand } from "./CommandRuntime.js"
import { checkedLimit, checkedWeek, limit, operatorLogFormat, stdoutPaint, week } from "./OperatorOptions.js"
import type { Wiring } from "./Wiring.js"

const out = Options.text("out").pipe(
  Options.withDescription("write every row to this CSV file instead of printing a table"),
  Options.optional,
)

const plural = (n: number) => `${n.toLocaleString("en-US")} row${n === 1 ? "" : "s"}`

const failuresCommandOf = (wiring: Wiring) =>
  Command.make(
    "failures",
    { week, out, limit: limit(50), logFormat: operatorLogFormat },
    ({ week, out, limit, logFormat }) =>
      runCommand(
        wiring,
        "salesforce failures",
        logFormat,
        Effect.gen(function* () {
          const day = yield* checkedWeek(week)
          const shown = yield* checkedLimit(limit)
          const rows = (yield* PipelineHistory).failedRows(day)
          if (Option.isSome(out)) {
            const written = yield* writeFailedRowsCsv(out.value, rows)
            return yield* Console.log(`wrote ${plural(written)} not in sync to ${out.value}`)
          }
          const table = yield* failedRowsTable(rows, shown, stdoutPaint())
          if (table.total === 0) return yield* Console.log("no rows out of sync with Salesforce")
          yield* Console.log(
            [
              ...table.lines,
              table.shown < table.total
                ? `${plural(table.total)} not in sync; the first ${table.shown} shown: --out FILE.csv writes them all`
                : `${plural(table.total)} not in sync`,
            ].join("\n"),
          )
        }),
        wiring.history,
      ),
  ).pipe(
    Command.withDescription(
      "The rows whose last sync did not reach Salesforce: external id, error code and message, as a table or a CSV (--out)",
    ),
  )

export const salesforceCommandOf = (wiring: Wiring) =>
  Command.make("salesforce").pipe(
    Command.withDescription("What the Salesforce sync left behind (reads only)"),
    Command.withSubcommands([failuresCommandOf(wiring)]),
  )
