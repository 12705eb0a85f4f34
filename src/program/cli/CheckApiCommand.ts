import { Command } from "@effect/cli"
import { Clock, Console, Duration, Effect, Either, Option } from "effect"
import type { PipelineError } from "../../domain/Errors.js"
import { addDays, epochMsToIsoDate, type IsoDate, Week } from "../../domain/Week.js"
import { AppConfig } from "../../services/AppConfig.js"
import { EventsApi } from "../../services/EventsApi.js"
import { runCommand } from "./CommandRuntime.js"
import { logFormat } from "./CommonOptions.js"
import type { Wiring } from "./Wiring.js"

const failureText = (error: PipelineError) => `${error._tag}: ${error.message}`

/** The week a check asks for: WEEK_START..WEEK_END when set, else the seven days up to yesterday. */
const checkWeek = Effect.gen(function* () {
  const settings = yield* AppConfig
  if (Option.isSome(settings.week)) return settings.week.value
  const today = epochMsToIsoDate(yield* Clock.currentTimeMillis) as IsoDate
  return new Week({ start: addDays(today, -7), end: addDays(today, -1) })
})

/**
 * `check-api`: is the events API up (`GET /health`), does it take the key (page 1 of a week,
 * one record), and how long each took. A short report on stdout; exit 1 when either fails.
 */
const checkApi = Effect.gen(function* () {
  const settings = yield* AppConfig
  const api = yield* EventsApi
  const week = yield* checkWeek
  const ms = (d: Duration.Duration) => Math.round(Duration.toMillis(d))

  const health = yield* Effect.either(Effect.timed(api.health))
  const auth = Either.isRight(health)
    ? Option.some(yield* Effect.either(Effect.timed(api.page(week, 1, { pageSize: 1 }))))
    : Option.none()

  const reachable = Either.match(health, {
    onLeft: (error) => `no (${failureText(error)})`,
    onRight: ([latency]) => `yes (GET /health answered in ${ms(latency)} ms)`,
  })
  const accepted = Option.match(auth, {
    onNone: () => "not checked",
    onSome: Either.match({
      onLeft: (error) => `${error._tag === "AuthenticationError" ? "refused" : "unknown"} (${failureText(error)})`,
      onRight: ([latency, page]) =>
        `ok (page 1 of ${week.start}..${week.end}: ${page.records} record${page.records === 1 ? "" : "s"} in ${ms(latency)} ms)`,
    }),
  })
  yield* Console.log(
    [
      `Events API ${Option.getOrElse(settings.api.baseUrl, () => "")}`,
      `  reachable: ${reachable}`,
      `  auth:      ${accepted}`,
    ].join("\n"),
  )
  yield* Effect.logInfo("Events API checked").pipe(
    Effect.annotateLogs({
      reachable: Either.isRight(health),
      health_latency_ms: Either.match(health, { onLeft: () => null, onRight: ([d]) => ms(d) }),
      auth_ok: Option.exists(auth, Either.isRight),
      auth_latency_ms: Option.match(auth, {
        onNone: () => null,
        onSome: Either.match({ onLeft: () => null, onRight: ([d]) => ms(d) }),
      }),
    }),
  )
  if (Either.isLeft(health)) return yield* health.left
  if (Option.isSome(auth) && Either.isLeft(auth.value)) return yield* auth.value.left
})

export const checkApiCommandOf = (wiring: Wiring) =>
  Command.make("check-api", { logFormat }, ({ logFormat }) =>
    runCommand(wiring, "check-api", logFormat, checkApi, wiring.eventsApi),
  ).pipe(Command.withDescription("Check that the events API is reachable, accepts the key, and how fast it answers"))
