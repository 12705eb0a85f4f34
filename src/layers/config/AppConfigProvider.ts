import { ConfigProvider, Effect, Layer } from "effect"
import type { ConfigurationError } from "../../domain/Errors.js"
import { AppConfig, loadSettings } from "../../services/AppConfig.js"

/** Settings from whatever ConfigProvider is current: env over `config.env` at the entry point. */
export const layer: Layer.Layer<AppConfig, ConfigurationError> = Layer.effect(AppConfig, loadSettings)

/** Settings from a map, defaults for the rest: for tests and for programs that embed the pipeline. */
export const layerFromMap = (values: Record<string, string>): Layer.Layer<AppConfig, ConfigurationError> =>
  Layer.effect(
    AppConfig,
    Effect.withConfigProvider(loadSettings, ConfigProvider.fromMap(new Map(Object.entries(values)))),
  )
