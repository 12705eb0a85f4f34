import { Command, Options } from "@effect/cli"
import { Effect, Either, Layer, Option, Redacted } from "effect"
import { ConfigurationError, invalidSetting } from "../../domain/Errors.js"
import { ENVELOPES, PAGINGS, serveEcomApi } from "../../emulators/events-api/EcomApiServer.js"
import { addFaultSpec, type FaultSettings, noFaults } from "../../emulators/events-api/EcomFaults.js"
import { AppConfig } from "../../services/AppConfig.js"
import { runCommand } from "./CommandRuntime.js"
import { listenHost, listenPort, logFormat } from "./CommonOptions.js"
import type { Wiring } from "./Wiring.js"

const options = {
  port: listenPort(0),
  host: listenHost,
  eventsPerWeek: Options.integer("events-per-week").pipe(
    Options.withDefault(100_000),
    Options.withDescription("records in each requested week"),
  ),
  seed: Options.integer("seed").pipe(Options.withDefault(42), Options.withDescription("same seed, same bytes")),
  malformedPct: Options.float("malformed-pct").pipe(
    Options.withDefault(0),
    Options.withDescription("share of malformed records, 0-100"),
  ),
  envelope: Options.choice("envelope", ENVELOPES).pipe(
    Options.withDefault("data" as const),
    Options.withDescription("a bare list, or the list under this key"),
  ),
  withTotal: Options.boolean("with-total").pipe(Options.withDescription("add meta.total to every page")),
  paging: Options.choice("paging", PAGINGS).pipe(
    Options.withDefault("normal" as const),
    Options.withDescription("ignore-page: every request gets page 1; endless: full pages forever, no total"),
  ),
  fault: Options.text("fault").pipe(
    Options.repeated,
    Options.withDescription(
      "KIND:PCT (429, 500, 502, 503, 504, slow, drop, 401, 403), transient:PCT, or sequence:F,F,...",
    ),
  ),
  retryAfter: Options.integer("retry-after").pipe(
    Options.withDefault(1),
    Options.withDescription("seconds a 429 asks the client to wait"),
  ),
  retryAfterDate: Options.boolean("retry-after-date").pipe(
    Options.withDescription("send Retry-After as an HTTP date rather than seconds"),
  ),
  slowMs: Options.integer("slow-ms").pipe(
    Options.withDefault(noFaults.slowMs),
    Options.withDescription("how long a slow response is held"),
  ),
  maxPageSize: Options.integer("max-page-size").pipe(
    Options.withDefault(1000),
    Options.withDescription("serve at most this many records a page, whatever page_size asks"),
  ),
  latencyMs: Options.integer("latency-ms").pipe(
    Options.withDefault(0),
    Options.withDescription("delay every data response, as a remote API's round trip would"),
  ),
  apiKey: Options.redacted("api-key").pipe(
    Options.optional,
    Options.withDescription("the key X-API-KEY must carry (default: API_KEY; none: no check)"),
  ),
  logFormat,
}

interface ServeOptions {
  readonly port: number
  readonly eventsPerWeek: number
  readonly malformedPct: number
  readonly retryAfter: number
  readonly slowMs: number
  readonly latencyMs: number
  readonly maxPageSize: number
  readonly fault: ReadonlyArray<string>
  readonly retryAfterDate: boolean
}

/** Checks the numeric flags and folds the `--fault` specs into fault settings. */
const faultSettings = (flags: ServeOptions): Either.Either<FaultSettings, ConfigurationError> => {
  if (flags.port < 0 || flags.port > 65_535)
    return Either.left(invalidSetting("--port", "must be from 0 to 65535", flags.port))
  if (flags.eventsPerWeek < 0)
    return Either.left(invalidSetting("--events-per-week", "must be at least 0", flags.eventsPerWeek))
  if (!(flags.malformedPct >= 0 && flags.malformedPct <= 100)) {
    return Either.left(invalidSetting("--malformed-pct", "must be from 0 to 100", flags.malformedPct))
  }
  if (flags.retryAfter < 0) return Either.left(invalidSetting("--retry-after", "must be at least 0", flags.retryAfter))
  if (flags.slowMs < 0) return Either.left(invalidSetting("--slow-ms", "must be at least 0", flags.slowMs))
  if (flags.maxPageSize < 1)
    return Either.left(invalidSetting("--max-page-size", "must be at least 1", flags.maxPageSize))
  if (flags.latencyMs < 0) return Either.left(invalidSetting("--latency-ms", "must be at least 0", flags.latencyMs))
  const base: FaultSettings = {
    ...noFaults,
    retryAfterSeconds: flags.retryAfter,
    retryAfterFormat: flags.retryAfterDate ? "date" : "seconds",
    slowMs: flags.slowMs,
  }
  return flags.fault.reduce<Either.Either<FaultSettings, ConfigurationError>>(
    (settings, spec) =>
      Either.flatMap(settings, (s) =>
        Either.mapLeft(addFaultSpec(s, spec), (rule) => invalidSetting("--fault", rule, spec)),
      ),
    Either.right(base),
  )
}

export const serveApiCommandOf = (wiring: Wiring) =>
  Command.make("serve-api", options, ({ logFormat, ...flags }) =>
    runCommand(
      wiring,
      "serve-api",
      logFormat,
      Effect.gen(function* () {
        const faults = yield* faultSettings(flags)
        const settings = yield* AppConfig
        const apiKey = Option.orElse(flags.apiKey, () => settings.api.apiKey).pipe(Option.map(Redacted.value))
        const api = yield* serveEcomApi({
          data: { seed: flags.seed, eventsPerWeek: flags.eventsPerWeek, malformedPct: flags.malformedPct },
          envelope: flags.envelope,
          withTotal: flags.withTotal,
          paging: flags.paging,
          apiKey: Option.getOrUndefined(apiKey),
          faults,
          latencyMs: flags.latencyMs,
          maxPageSize: flags.maxPageSize,
          host: flags.host,
          port: flags.port,
        }).pipe(
          Effect.mapError(
            (error) =>
              new ConfigurationError({
                message: `could not listen on ${flags.host}:${flags.port}: ${String(error.cause)}`,
                details: { setting: "--port", value: flags.port },
              }),
          ),
        )
        if (Option.isNone(apiKey)) yield* Effect.logWarning("No API key set: every request is let in")
        yield* Effect.logInfo("Ecom events API emulator listening").pipe(
          Effect.annotateLogs({
            url: api.url,
            events_per_week: flags.eventsPerWeek,
            envelope: flags.envelope,
            with_total: flags.withTotal,
            paging: flags.paging,
            malformed_pct: flags.malformedPct,
            faults: flags.fault,
          }),
        )
        return yield* Effect.never
      }).pipe(Effect.scoped),
      Layer.empty,
    ),
  ).pipe(Command.withDescription("Serve the ecom events API emulator on 127.0.0.1 until interrupted"))
