import { DefaultAzureCredential } from "@azure/identity"
import type { DataLakeFileSystemClient, StoragePipelineOptions } from "@azure/storage-file-datalake"
import { AnonymousCredential, DataLakeServiceClient, StorageSharedKeyCredential } from "@azure/storage-file-datalake"
import { Effect, Option, Redacted } from "effect"
import { type ConfigurationError, invalidSetting } from "../../domain/Errors.js"
import type { LakeSettings } from "../../services/AppConfig.js"

export type CredentialKind = "account-key" | "sas" | "connection-string" | "default-azure-credential"

export interface AdlsConnection {
  readonly fileSystem: DataLakeFileSystemClient
  readonly location: string
  readonly credential: CredentialKind
  /** The configured secret values, to scrub from anything the SDK says. */
  readonly secrets: ReadonlyArray<string>
}

/**
 * The account URL: ADLS_ENDPOINT, else `https://{account}.dfs.core.windows.net`. An endpoint on
 * an IP address or localhost is path-style, as emulators serve it, and gets `/{account}` when it
 * has no path of its own.
 */
export const accountUrl = (account: string, endpoint: Option.Option<string>): string =>
  Option.match(endpoint, {
    onNone: () => `https://${account}.dfs.core.windows.net`,
    onSome: (value) => {
      const url = new URL(value)
      const pathStyle = url.hostname === "localhost" || /^[\d.]+$|^\[[\da-f:]+\]$/i.test(url.hostname)
      if (pathStyle && (url.pathname === "/" || url.pathname === "")) url.pathname = `/${account}`
      return url.toString().replace(/\/$/, "")
    },
  })

/**
 * Connects to the file system CONTAINER of STORAGE_ACCOUNT with the first credential configured:
 * account key, SAS, connection string, else `DefaultAzureCredential` (service principal
 * variables, workload or managed identity, `az login`). Nothing goes over the network here.
 */
export const connectAdls = (
  lake: LakeSettings,
  pipeline: StoragePipelineOptions,
): Effect.Effect<AdlsConnection, ConfigurationError> =>
  Effect.gen(function* () {
    if (Option.isNone(lake.storageAccount))
      return yield* invalidSetting("STORAGE_ACCOUNT", "must be set for an ADLS lake")
    if (Option.isNone(lake.container)) return yield* invalidSetting("CONTAINER", "must be set for an ADLS lake")
    const account = lake.storageAccount.value
    const container = lake.container.value
    const url = accountUrl(account, lake.endpoint)
    const secrets = [lake.accountKey, lake.sasToken, lake.connectionString].flatMap((s) =>
      Option.isSome(s) ? [Redacted.value(s.value)] : [],
    )
    const connect = (service: DataLakeServiceClient, credential: CredentialKind): AdlsConnection => ({
      fileSystem: service.getFileSystemClient(container),
      location: `adls://${account}/${container}`,
      credential,
      secrets,
    })
    if (Option.isSome(lake.accountKey)) {
      const credential = new StorageSharedKeyCredential(account, Redacted.value(lake.accountKey.value))
      return connect(new DataLakeServiceClient(url, credential, pipeline), "account-key")
    }
    if (Option.isSome(lake.sasToken)) {
      const sas = Redacted.value(lake.sasToken.value).replace(/^\?/, "")
      return connect(new DataLakeServiceClient(`${url}?${sas}`, new AnonymousCredential(), pipeline), "sas")
    }
    if (Option.isSome(lake.connectionString)) {
      const connectionString = lake.connectionString.value
      const service = yield* Effect.try({
        try: () => DataLakeServiceClient.fromConnectionString(Redacted.value(connectionString), pipeline),
        catch: () => invalidSetting("AZURE_STORAGE_CONNECTION_STRING", "must be an account or SAS connection string"),
      })
      return connect(service, "connection-string")
    }
    return connect(new DataLakeServiceClient(url, new DefaultAzureCredential(), pipeline), "default-azure-credential")
  })

const CONTENT_TYPES: Record<string, string> = {
  parquet: "application/vnd.apache.parquet",
  json: "application/json",
  ndjson: "application/x-ndjson",
  jsonl: "application/x-ndjson",
  csv: "text/csv",
}

/** The Content-Type a put sets, by file extension. */
export const contentType = (path: string) =>
  CONTENT_TYPES[path.slice(path.lastIndexOf(".") + 1).toLowerCase()] ?? "application/octet-stream"

/**
 * A lake path as the SDK's `move` takes its destination: as a URL path, not a name. Given the
 * name as it is, `move` cuts it at a `?`, passes `%2f` on for the service to decode into a `/`,
 * and lets the URL parser fold a `%2e%2e` segment away, which moved the file out of its
 * directory, even into another container. Each segment encoded, the service decodes the very
 * name `getFileClient(path)` wrote.
 */
export const moveDestination = (path: string): string => path.split("/").map(encodeURIComponent).join("/")
