import { Schema } from "effect"

/**
 * Every error the program can raise on purpose. Each carries a human `message` and a `details`
 * record of machine-readable context (setting names, URLs, counts, statuses), never a secret.
 */
const ErrorFields = {
  message: Schema.String,
  details: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.Unknown }), {
    default: () => ({}),
  }),
}

export class ConfigurationError extends Schema.TaggedError<ConfigurationError>()("ConfigurationError", ErrorFields) {}

/**
 * A setting or flag that breaks its rule: the message names both, and the value when one is given
 * (never pass a secret's).
 */
export const invalidSetting = (setting: string, rule: string, value?: unknown): ConfigurationError =>
  new ConfigurationError({
    message: value === undefined ? `${setting} ${rule}` : `${setting} ${rule} (got ${JSON.stringify(value)})`,
    details: value === undefined ? { setting, rule } : { setting, rule, value },
  })

export class CheckpointError extends Schema.TaggedError<CheckpointError>()("CheckpointError", ErrorFields) {}

export class AuthenticationError extends Schema.TaggedError<AuthenticationError>()(
  "AuthenticationError",
  ErrorFields,
) {}

export class ApiConnectionError extends Schema.TaggedError<ApiConnectionError>()("ApiConnectionError", ErrorFields) {}

export class ApiTimeoutError extends Schema.TaggedError<ApiTimeoutError>()("ApiTimeoutError", ErrorFields) {}

export class ApiResponseError extends Schema.TaggedError<ApiResponseError>()("ApiResponseError", ErrorFields) {}

export class SchemaValidationError extends Schema.TaggedError<SchemaValidationError>()(
  "SchemaValidationError",
  ErrorFields,
) {}

export class DataQualityError extends Schema.TaggedError<DataQualityError>()("DataQualityError", ErrorFields) {}

export class LocalStorageError extends Schema.TaggedError<LocalStorageError>()("LocalStorageError", ErrorFields) {}

export class AzureStorageError extends Schema.TaggedError<AzureStorageError>()("AzureStorageError", ErrorFields) {}

/** A warehouse statement that failed: connection, SQL or constraint. `details` carries the operation. */
export class WarehouseError extends Schema.TaggedError<WarehouseError>()("WarehouseError", ErrorFields) {}

export class SalesforceSyncError extends Schema.TaggedError<SalesforceSyncError>()(
  "SalesforceSyncError",
  ErrorFields,
) {}

export type ApiError = ApiConnectionError | ApiTimeoutError | ApiResponseError
export type ValidationError = SchemaValidationError | DataQualityError
export type StorageError = LocalStorageError | AzureStorageError | WarehouseError

export type PipelineError =
  | ConfigurationError
  | CheckpointError
  | AuthenticationError
  | ApiError
  | ValidationError
  | StorageError
  | SalesforceSyncError

export const PipelineError = Schema.Union(
  ConfigurationError,
  CheckpointError,
  AuthenticationError,
  ApiConnectionError,
  ApiTimeoutError,
  ApiResponseError,
  SchemaValidationError,
  DataQualityError,
  LocalStorageError,
  AzureStorageError,
  WarehouseError,
  SalesforceSyncError,
)

/** True for the errors of this file, so a logger or a runner can tell them from defects. */
export const isPipelineError = Schema.is(PipelineError)
