import type { SqlClient } from "@effect/sql"
import { MssqlClient, MssqlTypes } from "@effect/sql-mssql"
import { Duration, Effect, Layer, Option } from "effect"
import { ConfigurationError, WarehouseError } from "../../domain/Errors.js"
import type { WarehouseSettings } from "../../services/AppConfig.js"
import { warehouseError } from "./WarehouseSqlErrors.js"

/**
 * Types for any value a statement binds without saying its type (the migrator's bookkeeping; ours
 * always say): a JS number is a float64, exactly SQL Server's `float`; text is Unicode; a Date keeps
 * its milliseconds. The driver's own defaults are `int`, `varchar` and `datetime`.
 */
export const SAFE_PARAMETER_TYPES = {
  ...MssqlClient.defaultParameterTypes,
  string: MssqlTypes.NVarChar,
  number: MssqlTypes.Float,
  Date: MssqlTypes.DateTime2,
}

const required = (value: Option.Option<string>, setting: string) =>
  Option.match(value, {
    onNone: () =>
      Effect.fail(
        new ConfigurationError({
          message: `${setting} must be set when WAREHOUSE is mssql`,
          details: { setting, rule: "required for mssql" },
        }),
      ),
    onSome: Effect.succeed,
  })

/**
 * The client settings for Azure SQL: always encrypted with a verified certificate; SQL
 * authentication when AZURE_SQL_USERNAME is set, otherwise an Entra ID token from
 * @azure/identity's DefaultAzureCredential (managed identity, workload identity, az login ...),
 * which tedious asks for on each new connection, so tokens never go stale in the pool.
 */
export const mssqlClientConfig = (
  settings: WarehouseSettings,
): Effect.Effect<MssqlClient.MssqlClientConfig, ConfigurationError> =>
  Effect.gen(function* () {
    const server = yield* required(settings.server, "AZURE_SQL_SERVER")
    const database = yield* required(settings.database, "AZURE_SQL_DATABASE")
    const auth = Option.match(settings.username, {
      onNone: () => ({ authType: "azure-active-directory-default" }),
      onSome: (username) => ({
        authType: "default",
        username,
        ...Option.match(settings.password, { onNone: () => ({}), onSome: (password) => ({ password }) }),
      }),
    })
    return {
      server,
      database,
      port: settings.port,
      encrypt: true,
      trustServer: false,
      // Azure SQL serverless may take a while to resume; the driver's 5 s would fail the run.
      connectTimeout: Duration.seconds(30),
      parameterTypes: SAFE_PARAMETER_TYPES,
      ...auth,
    }
  })

/** Azure SQL / SQL Server through @effect/sql-mssql (tedious). Connects, and checks it can, when built. */
export const layer = (
  settings: WarehouseSettings,
): Layer.Layer<SqlClient.SqlClient | MssqlClient.MssqlClient, WarehouseError | ConfigurationError> =>
  Layer.unwrapEffect(
    Effect.map(mssqlClientConfig(settings), (config) =>
      MssqlClient.layer(config).pipe(
        Layer.catchAll((error) =>
          Layer.fail(
            error._tag === "SqlError"
              ? warehouseError("connect", { server: config.server, database: config.database ?? null })(error)
              : new WarehouseError({
                  message: `warehouse connect failed: ${error.message}`,
                  details: { operation: "connect" },
                }),
          ),
        ),
      ),
    ),
  )
