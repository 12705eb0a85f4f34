import { Cause, Effect, type Layer, LogLevel } from "effect"
import type { ConfigurationError } from "../domain/Errors.js"
import { AppConfig, secretValues } from "../services/AppConfig.js"
import { type LogFormat, loggingLayer } from "./Logging.js"
import type { Wiring } from "./Wiring.js"

const logFailure =
  (command: string) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.tapErrorCause(self, (cause) =>
      Cause.isInterruptedOnly(cause)
        ? Effect.logWarning(`${command} interrupted`)
        : Effect.logError(`${command} failed`, cause),
    )

/**
 * Runs a command's body the way every command runs: settings loaded and validated first, then a
 * logger at LOG_LEVEL that scrubs every configured secret, a correlation id on every line, the
 * command's services built inside that logger (so their failures are logged too), and one error
 * line if anything fails. The error still fails the effect, so the process exits 1.
 */
export const runCommand = <A, E, R, E2, RIn>(
  wiring: Pick<Wiring, "config" | "writeLog">,
  command: string,
  format: LogFormat,
  body: Effect.Effect<A, E, R | AppConfig>,
  services: Layer.Layer<R, E2, RIn | AppConfig>,
): Effect.Effect<A, E | E2 | ConfigurationError, Exclude<RIn, AppConfig>> => {
  const write = wiring.writeLog
  const logging = (level: LogLevel.LogLevel, secrets: ReadonlyArray<string>) =>
    loggingLayer({ format, level, secrets, ...(write ? { write } : {}) })
  return Effect.gen(function* () {
    const settings = yield* AppConfig.pipe(
      Effect.provide(wiring.config),
      logFailure(command),
      Effect.provide(logging(LogLevel.Info, [])),
    )
    return yield* body.pipe(
      Effect.provide(services),
      logFailure(command),
      Effect.provideService(AppConfig, settings),
      Effect.provide(logging(settings.logLevel, secretValues(settings))),
    )
  }).pipe(Effect.annotateLogs({ correlation_id: crypto.randomUUID(), command }))
}
