import { DEV_ACCOUNT, DEV_ACCOUNT_KEY } from "../../emulators/adls/AdlsSharedKey.js"
import { EMULATOR_DEFAULTS } from "../../emulators/salesforce/SalesforceEmulator.js"

/** Where the three emulators listen, once started. */
export interface EmulatorUrls {
  readonly eventsApi: string
  readonly apiKey: string
  readonly adls: string
  readonly salesforce: string
}

/**
 * The settings that point the pipeline at the emulators, with its warehouse, files and state
 * under `dir`: what the demo runs with, and what the benchmark and the end-to-end tests start from.
 */
export const emulatorSettings = (urls: EmulatorUrls, dir: string): Record<string, string> => ({
  API_BASE_URL: urls.eventsApi,
  API_KEY: urls.apiKey,
  API_RATE_LIMIT_DELAY: "0",
  LOCAL_DATA_DIR: `${dir}/data/raw_events`,
  LOCAL_REJECTS_DIR: `${dir}/data/raw_events_rejects`,
  STATE_DIR: `${dir}/state`,
  SQLITE_PATH: `${dir}/warehouse.sqlite`,
  STORAGE_ACCOUNT: DEV_ACCOUNT,
  CONTAINER: "lake",
  ADLS_ENDPOINT: urls.adls,
  AZURE_STORAGE_ACCOUNT_KEY: DEV_ACCOUNT_KEY,
  SF_LOGIN_URL: urls.salesforce,
  SF_USERNAME: EMULATOR_DEFAULTS.username,
  SF_PASSWORD: EMULATOR_DEFAULTS.password,
  SF_SECURITY_TOKEN: EMULATOR_DEFAULTS.securityToken,
  SF_POLL_INTERVAL_SECONDS: "0.2",
})
