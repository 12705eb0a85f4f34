import type { FileSystem } from "@effect/platform"
import type { Layer } from "effect"
import type { ConfigurationError, WarehouseError } from "../../domain/Errors.js"
import type { AppConfig, TelemetrySettings } from "../../services/AppConfig.js"
import type { Crm } from "../../services/Crm.js"
import type { EventsApi } from "../../services/EventsApi.js"
import type { Lake } from "../../services/Lake.js"
import type { PipelineHistory } from "../../services/PipelineHistory.js"
import type { Progress } from "../../services/Progress.js"
import type { ScratchWarehouse } from "../../services/ScratchWarehouse.js"
import type { StateStore } from "../../services/StateStore.js"
import type { SyncLedger } from "../../services/SyncLedger.js"
import type { Warehouse } from "../../services/Warehouse.js"

/**
 * The implementations the program runs with. The entry point passes the live ones; tests and
 * programs that embed the pipeline pass their own. The program itself never imports a layer.
 */
export interface Wiring {
  /** Settings: the environment over `config.env` in production, a map in tests. */
  readonly config: Layer.Layer<AppConfig, ConfigurationError>
  /** The events API client; fails naming API_BASE_URL or API_KEY when they are unset. */
  readonly eventsApi: Layer.Layer<EventsApi, ConfigurationError, AppConfig>
  /** The lake: ADLS Gen2 or a local directory, as the settings say; in memory in tests. */
  readonly lake: Layer.Layer<Lake, ConfigurationError, AppConfig | FileSystem.FileSystem>
  /**
   * The warehouse the settings choose, Azure SQL (WAREHOUSE=mssql) or SQLite at SQLITE_PATH, with
   * the Salesforce sync's ledger in the same database.
   */
  readonly warehouse: Layer.Layer<Warehouse | SyncLedger, WarehouseError | ConfigurationError, AppConfig>
  /**
   * The same warehouse as a dry run sees it: read, never written; SQLite at SQLITE_PATH with
   * writes refused, or an empty warehouse in memory when there is no file (none is created).
   */
  readonly dryRunWarehouse: Layer.Layer<Warehouse | SyncLedger, WarehouseError | ConfigurationError, AppConfig>
  /** The warehouse a dry run aggregates its week in: SQLite in a file of the dry run's temporary directory. */
  readonly scratchWarehouse: Layer.Layer<ScratchWarehouse>
  /**
   * The same warehouse read only, for `status`, `runs` and `salesforce failures`: it never creates
   * the SQLite file nor migrates; a warehouse without the pipeline's tables fails, naming them.
   */
  readonly history: Layer.Layer<PipelineHistory, WarehouseError | ConfigurationError, AppConfig>
  /** The checkpoint mirror and the pending-update queue under STATE_DIR. */
  readonly stateStore: Layer.Layer<StateStore, never, AppConfig>
  /** Salesforce; logs in on first use, so a run without credentials never reaches it. */
  readonly crm: Layer.Layer<Crm, never, AppConfig>
  /** Progress on a terminal, used for `--log-format text` when stderr is a TTY. */
  readonly terminalProgress?: Layer.Layer<Progress>
  /** Where finished log lines go; stderr when absent. */
  readonly writeLog?: (line: string) => void
  /**
   * Where a command's spans go once settings are known, scrubbed of the configured `secrets`;
   * they stay in the process when absent.
   */
  readonly tracing?: (settings: TelemetrySettings, secrets: ReadonlyArray<string>) => Layer.Layer<never>
}
