import { Command, Options } from "@effect/cli"
import { Clock, Console, Effect, Layer, Option } from "effect"
import { adlsEmulator } from "../../emulators/adls/AdlsEmulator.js"
import { ecomApiDefaults, serveEcomApi } from "../../emulators/events-api/EcomApiServer.js"
import { salesforceEmulator } from "../../emulators/salesforce/SalesforceEmulator.js"
import * as AppConfigProvider from "../../layers/config/AppConfigProvider.js"
import { runPipeline } from "../pipeline/Pipeline.js"
import { pipelineLayer } from "../pipeline/PipelineLayer.js"
import { fullRun } from "../pipeline/RunOptions.js"
import { renderSummary } from "../pipeline/RunSummary.js"
import { runCommand } from "./CommandRuntime.js"
import { emulatorSettings } from "./EmulatorSettings.js"
import type { Wiring } from "./Wiring.js"

const DEMO_API_KEY = "demo-api-key"

/** The command that shows the demo's warehouse and state with `status`. */
export const statusHint = (dir: string) =>
  `SQLITE_PATH=${dir}/warehouse.sqlite STATE_DIR=${dir}/state node dist/program/bin.js status`
const DEMO_WEEK = { start: "2019-12-01", end: "2019-12-07" }

const options = {
  events: Options.integer("events").pipe(
    Options.withDefault(200_000),
    Options.withDescription("events the emulated API serves for the week"),
  ),
  malformedPct: Options.float("malformed-pct").pipe(
    Options.withDefault(2),
    Options.withDescription("share of malformed records, in percent"),
  ),
  seed: Options.integer("seed").pipe(Options.withDefault(42), Options.withDescription("seed of the synthetic data")),
  dir: Options.directory("dir", { exists: "either" }).pipe(
    Options.withDefault(".demo"),
    Options.withDescription("where the demo keeps its warehouse, lake, files and state"),
  ),
  force: Options.boolean("force").pipe(Options.withDescription("redo the week even though it is done")),
  logFormat: Options.choice("log-format", ["json", "text"]).pipe(
    Options.withDefault("text" as const),
    Options.withDescription("text (default here, for a person) or json"),
  ),
}

/**
 * `reverse-etl demo`: the whole pipeline on one machine. The events API, ADLS Gen2 and Salesforce
 * emulators start in this process on free ports of 127.0.0.1; the warehouse is SQLite and the
 * emulated lake keeps its files under `--dir`, so a second run finds the week done and a
 * `--force` run sends no unchanged customer to Salesforce.
 */
export const demoCommandOf = (wiring: Wiring) =>
  Command.make("demo", options, ({ logFormat, events, malformedPct, seed, dir, force }) =>
    runCommand(
      wiring,
      "demo",
      logFormat,
      Effect.scoped(
        Effect.gen(function* () {
          const api = yield* serveEcomApi({
            ...ecomApiDefaults,
            data: { seed, eventsPerWeek: events, malformedPct },
            envelope: "data",
            withTotal: true,
            apiKey: DEMO_API_KEY,
          })
          const lake = yield* adlsEmulator({ dir: `${dir}/adls` })
          const salesforce = yield* salesforceEmulator({ inProgressPolls: 1 })
          const settings = AppConfigProvider.layerFromMap(
            emulatorSettings(
              { eventsApi: api.url, apiKey: DEMO_API_KEY, adls: lake.url, salesforce: salesforce.url },
              dir,
            ),
          )
          yield* Effect.logInfo("Demo emulators started").pipe(
            Effect.annotateLogs({ events_api: api.url, adls: lake.url, salesforce: salesforce.url, dir }),
          )
          const run = fullRun({ weekStart: Option.some(DEMO_WEEK.start), weekEnd: Option.some(DEMO_WEEK.end), force })
          const started = yield* Clock.currentTimeMillis
          const outcome = yield* runPipeline(run).pipe(
            Effect.provide(pipelineLayer(wiring, run, logFormat)),
            Effect.provide(settings),
          )
          const seconds = ((yield* Clock.currentTimeMillis) - started) / 1000
          yield* Console.log(
            [
              "",
              renderSummary(outcome),
              `  total: ${seconds.toFixed(1)} s${Option.isSome(outcome.validation) ? `, ${Math.round(outcome.validation.value.rowsFetched / seconds).toLocaleString("en-US")} events/s` : ""}`,
              `  demo files under ${dir}/ (warehouse.sqlite, adls/, data/, state/)`,
              ...(outcome.status === "SKIPPED"
                ? ["  run `npm run demo -- --force` to redo the week: unchanged customers are not sent again"]
                : []),
              `  see it as the person on call would: ${statusHint(dir)}`,
            ].join("\n"),
          )
        }),
      ),
      Layer.empty,
    ),
  ).pipe(Command.withDescription("Run the whole pipeline for one week against local emulators, then summarise"))
