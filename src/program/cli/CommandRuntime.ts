import { Cause, Effect, Layer, LogLevel, Option } from "effect"
import type { ConfigurationError } from "../../domain/Errors.js"
import { AppConfig, secretValues } from "../../services/AppConfig.js"
import { CommandVerdict } from "./ExitCodes.js"
import { type LogFormat, loggingLayer } from "./Logging.js"
import type { Wiring } from "./Wiring.js"

const logFailure =
  (command: string) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.tapErrorCause(self, (cause) => {
      if (Cause.isInterruptedOnly(cause)) return Effect.logWarning(`${command} interrupted`)
      const verdict = Cause.failureOption(cause).pipe(Option.filter((e) => e instanceof CommandVerdict))
      return Option.isSome(verdict)
        ? Effect.logWarning(`${command}: ${verdict.value.message}`).pipe(
            Effect.annotateLogs({ exit_code: verdict.value.code }),
          )
        : Effect.logError(`${command} failed`, cause)
    })

/** What running a command needs of the wiring: settings, where logs go, where spans go. */
export type CommandWiring = Pick<Wiring, "config" | "writeLog" | "tracing">

/**
 * Runs a command's body the way every command runs: settings loaded and validated first, then a
 * logger at LOG_LEVEL that scrubs every configured secret, a correlation id on every line, the
 * command's services built inside that logger (so their failures are logged too), its spans
 * exported when tracing is on (and flushed before this returns), and one error line if anything
 * fails. The error still fails the effect, so the process exits 1 (or the code of a
 * `CommandVerdict`, logged as a warning).
 */
export const runCommand = <A, E, R, ROut, E2, RIn>(
  wiring: CommandWiring,
  command: string,
  format: LogFormat,
  body: Effect.Effect<A, E, R>,
  services: Layer.Layer<ROut, E2, RIn>,
): Effect.Effect<A, E | E2 | ConfigurationError, Exclude<Exclude<R, ROut> | RIn, AppConfig>> => {
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
      Effect.provide(wiring.tracing?.(settings.telemetry, secretValues(settings)) ?? Layer.empty),
      Effect.provide(logging(settings.logLevel, secretValues(settings))),
    )
  }).pipe(Effect.annotateLogs({ correlation_id: crypto.randomUUID(), command }))
}
