import { NodeHttpClient } from "@effect/platform-node"
import { Effect, Exit, Layer, Scope, TestClock } from "effect"
import type { Week } from "../../src/domain/Week.js"
import { type WeekPaths, weekPaths } from "../../src/domain/WeekPaths.js"
import { type EcomApiOptions, type RunningEcomApi, serveEcomApi } from "../../src/emulators/events-api/EcomApiServer.js"
import * as AppConfigProvider from "../../src/layers/config/AppConfigProvider.js"
import * as EventsApiHttp from "../../src/layers/events-api/EventsApiHttp.js"
import type { EventsPage } from "../../src/services/EventsApi.js"
import { tempDir as makeTempDir } from "./TempDir.js"

export const API_KEY = "test-key-5f1c2a"

/**
 * Starts the emulator in a runtime of its own, so it keeps real time even inside an `it.effect`
 * test on the TestClock; it stops when the test's scope closes.
 */
export const ecomApi = (options: Partial<EcomApiOptions> = {}) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const scope = Effect.runSync(Scope.make())
      const api = await Effect.runPromise(Scope.extend(serveEcomApi({ apiKey: API_KEY, ...options }), scope))
      return { api, scope }
    }),
    ({ scope }) => Effect.promise(() => Effect.runPromise(Scope.close(scope, Exit.void))),
  ).pipe(Effect.map(({ api }) => api))

/** The live EventsApi over the real HttpClient, pointed at `api`, with settings over the defaults. */
export const liveEventsApi = (
  api: RunningEcomApi,
  settings: Record<string, string> = {},
  options: EventsApiHttp.EventsApiHttpOptions = {},
) =>
  EventsApiHttp.layerWith(options).pipe(
    Layer.provideMerge(
      AppConfigProvider.layerFromMap({
        API_BASE_URL: api.url,
        API_KEY: API_KEY,
        API_RATE_LIMIT_DELAY: "0",
        ...settings,
      }),
    ),
    Layer.provide(NodeHttpClient.layerUndici),
  )

/** Where the extract of `week` writes, under a fresh temp directory. */
export const extractPaths = (week: Week): WeekPaths => {
  const root = makeTempDir("retl-extract-")
  return weekPaths(
    {
      localDataDir: root,
      localRejectsDir: `${root}/rejects`,
      stateDir: `${root}/state`,
      lakeBasePath: "lake",
      lakeRejectsBasePath: "lake-rejects",
    },
    week,
  )
}

/** The lines of a page as strings. */
export const pageLines = (page: EventsPage): ReadonlyArray<string> => {
  const text = new TextDecoder().decode(page.ndjson)
  return text === "" ? [] : text.slice(0, -1).split("\n")
}

/** Waits a little real time: for a socket to do its part while the TestClock stands still. */
export const realPause = (ms = 30) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, ms)))

/** Polls (in real time, up to 10 s of it however slow the machine) until `check` holds. */
export const eventually = (what: string, check: () => boolean) =>
  Effect.gen(function* () {
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
      if (check()) return
      yield* realPause(5)
    }
    return yield* Effect.dieMessage(`timed out waiting until ${what}`)
  })

/** Waits until some fiber sleeps until a time `test` accepts on the TestClock; answers that time. */
export const sleepingWhere = (what: string, test: (deadlineMs: number) => boolean) =>
  Effect.gen(function* () {
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
      const found = [...(yield* TestClock.sleeps())].find(test)
      if (found !== undefined) return found
      yield* realPause(5)
    }
    const sleeps = yield* TestClock.sleeps()
    return yield* Effect.dieMessage(`no fiber sleeps ${what}; sleeps: ${[...sleeps].join(", ")}`)
  })

/**
 * Waits until some fiber sleeps until `deadlineMs` on the TestClock (a retry wait or a timeout).
 * Right after the clock was moved to just before it, this is also the proof that nothing woke up
 * early: the sleeper is still there.
 */
export const sleepingUntil = (deadlineMs: number) => sleepingWhere(`until ${deadlineMs} ms`, (at) => at === deadlineMs)

/** Lets the client through each wait in turn: waits until something sleeps until `deadline`, then moves the clock there. */
export const passWaits = (...deadlines: ReadonlyArray<number>) =>
  Effect.forEach(deadlines, (deadline) =>
    Effect.gen(function* () {
      yield* sleepingUntil(deadline)
      yield* TestClock.adjust(deadline - (yield* TestClock.currentTimeMillis))
    }),
  )
