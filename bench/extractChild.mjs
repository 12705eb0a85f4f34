// One extract measurement, run by bench/extract.ts in a process of its own on the compiled
// build (dist/), as `reverse-etl` runs in production: no TypeScript loader in the numbers.
// Arguments: events, concurrency, latency in ms. Prints one JSON line.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Effect, Either, Layer, Logger, LogLevel } from "effect"
import { parseWeek } from "../dist/domain/Week.js"
import { weekPaths } from "../dist/domain/WeekPaths.js"
import { serveEcomApi } from "../dist/emulators/events-api/EcomApiServer.js"
import * as AppConfigProvider from "../dist/layers/config/AppConfigProvider.js"
import * as EventsApiHttp from "../dist/layers/events-api/EventsApiHttp.js"
import { extract } from "../dist/program/stages/Extract.js"

const [events, concurrency, latencyMs] = process.argv.slice(2).map(Number)
const mb = (bytes) => Math.round(bytes / 1024 / 1024)

const measure = Effect.scoped(
  Effect.gen(function* () {
    const startRssMb = mb(process.memoryUsage().rss)
    const api = yield* serveEcomApi({
      apiKey: "bench-key",
      data: { seed: 2019, eventsPerWeek: events, malformedPct: 2 },
      latencyMs,
    })
    const root = mkdtempSync(join(tmpdir(), "retl-bench-extract-"))
    yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(root, { recursive: true, force: true })))
    const week = Either.getOrThrow(parseWeek("2019-12-01", "2019-12-07"))
    const paths = weekPaths(
      { localDataDir: root, localRejectsDir: root, stateDir: root, lakeBasePath: "l", lakeRejectsBasePath: "r" },
      week,
    )
    const layer = EventsApiHttp.layer.pipe(
      Layer.provideMerge(
        AppConfigProvider.layerFromMap({
          API_BASE_URL: api.url,
          API_KEY: "bench-key",
          API_RATE_LIMIT_DELAY: "0",
          API_CONCURRENCY: String(concurrency),
        }),
      ),
      Layer.provide(NodeHttpClient.layerUndici),
      Layer.merge(NodeFileSystem.layer),
    )
    const started = performance.now()
    const cpu = process.cpuUsage()
    const result = yield* extract(paths).pipe(Effect.provide(layer))
    const seconds = (performance.now() - started) / 1000
    const used = process.cpuUsage(cpu)
    if (result.rowsFetched !== events) throw new Error(`fetched ${result.rowsFetched} of ${events} events`)
    return {
      events,
      concurrency,
      latencyMs,
      seconds,
      cpuSeconds: (used.user + used.system) / 1e6,
      eventsPerSecond: events / seconds,
      startRssMb,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      sha256: result.raw.sha256,
    }
  }),
).pipe(Logger.withMinimumLogLevel(LogLevel.Warning))

process.stdout.write(`${JSON.stringify(await Effect.runPromise(measure))}\n`)
