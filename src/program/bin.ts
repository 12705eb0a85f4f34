#!/usr/bin/env node
import { PlatformConfigProvider } from "@effect/platform"
import { NodeContext, NodeFileSystem, NodeHttpClient, NodeRuntime } from "@effect/platform-node"
import { Cause, Effect, Exit, Layer } from "effect"
import { CrmJsforce } from "../layers/crm/CrmJsforce.js"
import { EventsApiHttp } from "../layers/events-api/EventsApiHttp.js"
import { lakeFromSettings } from "../layers/lake/LakeFromSettings.js"
import { StateStoreFs } from "../layers/state/StateStoreFs.js"
import { tracingLayer } from "../layers/telemetry/Tracing.js"
import { progressTerminal } from "../layers/terminal/ProgressTerminal.js"
import { WarehouseLive } from "../layers/warehouse/WarehouseLive.js"
import { AppConfig } from "../services/AppConfig.js"
import { makeCli } from "./cli/Cli.js"
import { VERSION } from "./cli/Version.js"
import type { Wiring } from "./cli/Wiring.js"

/** The live implementations: settings from the environment over `config.env` in the working directory. */
const live: Wiring = {
  config: AppConfig.layer.pipe(
    Layer.provide(PlatformConfigProvider.layerDotEnvAdd(process.env.CONFIG_FILE ?? "config.env")),
    Layer.provide(NodeFileSystem.layer),
  ),
  tracing: (telemetry) => tracingLayer(telemetry, VERSION),
  lake: lakeFromSettings(),
  warehouse: WarehouseLive.pipe(Layer.provide(NodeFileSystem.layer)),
  stateStore: StateStoreFs.pipe(Layer.provide(NodeFileSystem.layer)),
  eventsApi: EventsApiHttp.layer.pipe(Layer.provide(NodeHttpClient.layerUndici)),
  crm: CrmJsforce,
  terminalProgress: progressTerminal(),
}

makeCli(live)(process.argv).pipe(
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain({
    disableErrorReporting: true,
    disablePrettyLogger: true,
    teardown: (exit, onExit) => onExit(Exit.isSuccess(exit) ? 0 : Cause.isInterruptedOnly(exit.cause) ? 130 : 1),
  }),
)
