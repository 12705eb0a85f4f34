import { Effect, Layer } from "effect"
import { EventsApi } from "../../services/EventsApi.js"
import type { LogFormat } from "../cli/Logging.js"
import type { Wiring } from "../cli/Wiring.js"
import type { RunOptions } from "./RunOptions.js"

/**
 * A `--stage` run after extract never calls the events API, so it must not need its settings: an
 * Airflow worker that only loads or syncs has no reason to hold the API key.
 */
const eventsApiNotNeeded = Layer.succeed(EventsApi, {
  pageSize: 0,
  page: () => Effect.dieMessage("this stage does not call the events API"),
  health: Effect.dieMessage("this stage does not call the events API"),
})

const callsTheApi = (run: RunOptions) => run.dryRun || run.stage === "full" || run.stage === "extract"

/** The services a run needs, from the wiring; progress on a terminal only for a person (`text` on a TTY). */
export const pipelineLayer = (wiring: Wiring, run: RunOptions, format: LogFormat) =>
  Layer.mergeAll(
    callsTheApi(run) ? wiring.eventsApi : eventsApiNotNeeded,
    wiring.lake,
    // A dry run reads the warehouse and never writes it; it aggregates its week in a scratch one.
    run.dryRun ? wiring.dryRunWarehouse : wiring.warehouse,
    wiring.scratchWarehouse,
    wiring.stateStore,
    wiring.crm,
    format === "text" && process.stderr.isTTY && wiring.terminalProgress ? wiring.terminalProgress : Layer.empty,
  )
