import type { Layer } from "effect"
import type { ConfigurationError } from "../domain/Errors.js"
import type { AppConfig } from "../services/AppConfig.js"
import type { EventsApi } from "../services/EventsApi.js"

/**
 * The implementations the program runs with. The entry point passes the live ones; tests and
 * programs that embed the pipeline pass their own. The program itself never imports a layer.
 */
export interface Wiring {
  /** Settings: the environment over `config.env` in production, a map in tests. */
  readonly config: Layer.Layer<AppConfig, ConfigurationError>
  /** The events API client; fails naming API_BASE_URL or API_KEY when they are unset. */
  readonly eventsApi: Layer.Layer<EventsApi, ConfigurationError, AppConfig>
  /** Where finished log lines go; stderr when absent. */
  readonly writeLog?: (line: string) => void
}
