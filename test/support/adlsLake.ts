import type { FileSystem } from "@effect/platform"
import { Effect, Layer, Schedule } from "effect"
import type { ConfigurationError } from "../../src/domain/Errors.js"
import type { AdlsEmulator, AdlsEmulatorOptions } from "../../src/emulators/adls/AdlsEmulator.js"
import { adlsEmulator } from "../../src/emulators/adls/AdlsEmulator.js"
import * as AppConfigProvider from "../../src/layers/config/AppConfigProvider.js"
import * as LakeAdls from "../../src/layers/lake/LakeAdls.js"
import type { Lake, LakeError } from "../../src/services/Lake.js"
import { isTransientLakeError } from "../../src/services/Lake.js"

/** Our retries without the waiting: for tests on real sockets, where the TestClock cannot help. */
export const quickRetry = (times: number): Schedule.Schedule<unknown, LakeError> =>
  Schedule.spaced("5 millis").pipe(
    Schedule.intersect(Schedule.recurs(times)),
    Schedule.whileInput(isTransientLakeError),
  )

/** Settings of an ADLS lake on the emulator, with its account key unless `settings` say otherwise. */
export const emulatorSettings = (emulator: AdlsEmulator, settings: Record<string, string> = {}) => ({
  STORAGE_ACCOUNT: emulator.account,
  CONTAINER: "lake",
  ADLS_ENDPOINT: emulator.url,
  AZURE_STORAGE_ACCOUNT_KEY: emulator.accountKey,
  ...settings,
})

export const adlsLakeOn = (
  emulator: AdlsEmulator,
  settings: Record<string, string> = {},
  options: LakeAdls.LakeAdlsOptions = {},
): Layer.Layer<Lake, ConfigurationError, FileSystem.FileSystem> =>
  LakeAdls.layerWith({ retryOptions: { maxTries: 1 }, retry: quickRetry(3), ...options }).pipe(
    Layer.provide(AppConfigProvider.layerFromMap(emulatorSettings(emulator, settings))),
  )

/** A fresh emulator for the life of the layer, and the ADLS lake on it. */
export const adlsLake = (
  emulatorOptions: AdlsEmulatorOptions = {},
  settings: Record<string, string> = {},
  options: LakeAdls.LakeAdlsOptions = {},
): Layer.Layer<Lake, ConfigurationError, FileSystem.FileSystem> =>
  Layer.unwrapScoped(Effect.map(adlsEmulator(emulatorOptions), (emulator) => adlsLakeOn(emulator, settings, options)))
