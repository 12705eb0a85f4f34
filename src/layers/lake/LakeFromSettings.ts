import type { FileSystem } from "@effect/platform"
import { Effect, Layer } from "effect"
import type { ConfigurationError } from "../../domain/Errors.js"
import { AppConfig } from "../../services/AppConfig.js"
import type { Lake } from "../../services/Lake.js"
import type { LakeAdlsOptions } from "./LakeAdls.js"
import * as LakeLocal from "./LakeLocal.js"

/**
 * ADLS Gen2 when STORAGE_ACCOUNT is set, else the local directory LAKE_DIR. The Azure SDK is
 * loaded only for an ADLS lake: it costs about a second at start-up, which every command would pay.
 * `options` go to the ADLS layer.
 */
export const layerWith = (
  options: LakeAdlsOptions,
): Layer.Layer<Lake, ConfigurationError, AppConfig | FileSystem.FileSystem> =>
  Layer.unwrapEffect(
    Effect.gen(function* () {
      const settings = yield* AppConfig
      if (settings.lake.kind !== "adls") return LakeLocal.layer
      const LakeAdls = yield* Effect.promise(() => import("./LakeAdls.js"))
      return LakeAdls.layerWith(options)
    }),
  )

/** The lake the settings choose, ADLS with its default retries and chunking. */
export const layer = layerWith({})
