#!/usr/bin/env node
import { PlatformConfigProvider } from "@effect/platform"
import { NodeContext, NodeFileSystem, NodeHttpClient, NodeRuntime } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import * as AppConfigProvider from "../layers/config/AppConfigProvider.js"
import * as CrmJsforce from "../layers/crm/CrmJsforce.js"
import * as EventsApiHttp from "../layers/events-api/EventsApiHttp.js"
import * as LakeFromSettings from "../layers/lake/LakeFromSettings.js"
import * as StateStoreFs from "../layers/state/StateStoreFs.js"
import * as Tracing from "../layers/telemetry/Tracing.js"
import * as ProgressTerminal from "../layers/terminal/ProgressTerminal.js"
import * as PipelineHistoryFromSettings from "../layers/warehouse/PipelineHistoryFromSettings.js"
import * as WarehouseFromSettings from "../layers/warehouse/WarehouseFromSettings.js"
import * as WarehouseReadOnly from "../layers/warehouse/WarehouseReadOnly.js"
import * as WarehouseScratch from "../layers/warehouse/WarehouseScratch.js"
import { makeCli } from "./cli/Cli.js"
import { exitCodeOf } from "./cli/ExitCodes.js"
import { VERSION } from "./cli/Version.js"
import type { Wiring } from "./cli/Wiring.js"

/** The live implementations: settings from the environment over `config.env` in the working directory. */
const live: Wiring = {
  config: AppConfigProvider.layer.pipe(
    Layer.provide(PlatformConfigProvider.layerDotEnvAdd(process.env.CONFIG_FILE ?? "config.env")),
    Layer.provide(NodeFileSystem.layer),
  ),
  tracing: (telemetry, secrets) => Tracing.layer(telemetry, VERSION, secrets),
  lake: LakeFromSettings.layer,
  warehouse: WarehouseFromSettings.layer.pipe(Layer.provide(NodeFileSystem.layer)),
  dryRunWarehouse: WarehouseReadOnly.layer.pipe(Layer.provide(NodeFileSystem.layer)),
  scratchWarehouse: WarehouseScratch.layer.pipe(Layer.provide(NodeFileSystem.layer)),
  history: PipelineHistoryFromSettings.layer.pipe(Layer.provide(NodeFileSystem.layer)),
  stateStore: StateStoreFs.layer.pipe(Layer.provide(NodeFileSystem.layer)),
  eventsApi: EventsApiHttp.layer.pipe(Layer.provide(NodeHttpClient.layerUndici)),
  crm: CrmJsforce.layer,
  terminalProgress: ProgressTerminal.layer,
}

makeCli(live)(process.argv).pipe(
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain({
    disableErrorReporting: true,
    disablePrettyLogger: true,
    teardown: (exit, onExit) => onExit(exitCodeOf(exit)),
  }),
)
