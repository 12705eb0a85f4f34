import { Command } from "@effect/cli"
import { Effect, Layer } from "effect"
import { ConfigurationError } from "../domain/Errors.js"
import { runCommand } from "./CommandRuntime.js"
import { logFormat } from "./CommonOptions.js"
import type { Wiring } from "./Wiring.js"

export const checkApiCommandOf = (wiring: Wiring) =>
  Command.make("check-api", { logFormat }, ({ logFormat }) =>
    runCommand(
      wiring,
      "check-api",
      logFormat,
      Effect.fail(new ConfigurationError({ message: "check-api is not built yet" })),
      Layer.empty,
    ),
  ).pipe(Command.withDescription("Check that the events API is reachable, accepts the key, and how fast it answers"))
