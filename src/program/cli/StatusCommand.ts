import { Command } from "@effect/cli"
import { Console, Effect, Layer } from "effect"
import { statusJson } from "../operator/OperatorJson.js"
import { readStatus } from "../operator/StatusReport.js"
import { renderStatus } from "../operator/StatusText.js"
import { runCommand } from "./CommandRuntime.js"
import { CommandVerdict, ExitCode } from "./ExitCodes.js"
import { json, operatorLogFormat, stdoutPaint } from "./OperatorOptions.js"
import type { Wiring } from "./Wiring.js"

/**
 * `reverse-etl status`: the checkpoint, the last runs, the pending queue, the Bulk jobs still
 * open and the rows not in sync with Salesforce, read without changing anything. Exits 0 when
 * nothing needs a person, 3 when something does (each named), 1 when it cannot read.
 */
export const statusCommandOf = (wiring: Wiring) =>
  Command.make("status", { json, logFormat: operatorLogFormat }, ({ json, logFormat }) =>
    runCommand(
      wiring,
      "status",
      logFormat,
      Effect.gen(function* () {
        const report = yield* readStatus
        const code = report.problems.length === 0 ? ExitCode.ok : ExitCode.needsAttention
        yield* Console.log(
          json ? JSON.stringify(statusJson(report, code), null, 2) : renderStatus(report, code, stdoutPaint()),
        )
        if (code !== ExitCode.ok) {
          return yield* new CommandVerdict({
            code,
            message: `needs attention: ${report.problems.map((p) => p.kind).join(", ")}`,
          })
        }
      }),
      Layer.mergeAll(wiring.history, wiring.stateStore),
    ),
  ).pipe(
    Command.withDescription(
      "What a person on call needs first: next week, last runs, stuck writes, Salesforce rows not in sync (reads only; exit 0 healthy, 3 needs attention, 1 unreadable)",
    ),
  )
