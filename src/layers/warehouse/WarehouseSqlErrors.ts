import { SqlError } from "@effect/sql/SqlError"
import { Effect, Option } from "effect"
import { CheckpointError, WarehouseError } from "../../domain/Errors.js"

/**
 * SQL Server errors worth another try (Azure SQL's documented transient errors, deadlock victim,
 * throttling) and connection drops; SQLite's busy and locked.
 */
const TRANSIENT_NUMBERS = new Set([
  1205, 4060, 4221, 10053, 10054, 10060, 10928, 10929, 40143, 40197, 40501, 40540, 40613, 42108, 42109, 49918, 49919,
  49920,
])
const TRANSIENT_CODES = new Set(["ESOCKET", "ETIMEOUT", "ECONNRESET", "ECLOSE", "SQLITE_BUSY", "SQLITE_LOCKED"])

const causeFields = (
  cause: unknown,
): { readonly message?: string; readonly number?: number; readonly code?: string } =>
  typeof cause === "object" && cause !== null ? (cause as Record<string, never>) : {}

export const isTransientSqlError = (error: SqlError): boolean => {
  const { number, code } = causeFields(error.cause)
  return (
    (typeof number === "number" && TRANSIENT_NUMBERS.has(number)) ||
    (typeof code === "string" && TRANSIENT_CODES.has(code))
  )
}

/** The driver's own words for a SQL error, with a hint when the schema is missing. */
export const describeSqlError = (error: SqlError): string => {
  const { message } = causeFields(error.cause)
  const detail = typeof message === "string" && message.length > 0 ? `: ${message}` : ""
  const missingSchema = /no such table|invalid object name/i.test(detail)
  return `${error.message}${detail}${missingSchema ? " (run `reverse-etl db migrate` first)" : ""}`
}

const sqlDetails = (error: SqlError, operation: string, extra: Record<string, unknown>) => {
  const { number, code } = causeFields(error.cause)
  return {
    operation,
    transient: isTransientSqlError(error),
    ...(typeof number === "number" ? { sql_error_number: number } : {}),
    ...(typeof code === "string" ? { code } : {}),
    ...extra,
  }
}

export const warehouseError =
  (operation: string, extra: Record<string, unknown> = {}) =>
  (error: SqlError): WarehouseError =>
    new WarehouseError({
      message: `warehouse ${operation} failed: ${describeSqlError(error)}`,
      details: sqlDetails(error, operation, extra),
    })

export const checkpointError = (error: SqlError): CheckpointError =>
  new CheckpointError({
    message: `could not read the checkpoint: ${describeSqlError(error)}`,
    details: sqlDetails(error, "readCheckpoint", {}),
  })

/**
 * Our error for every SqlError of `self`, including one the driver raises as a defect (@effect/sql
 * turns a failed COMMIT or ROLLBACK into a defect).
 */
export const mapSqlErrors =
  (operation: string, extra: Record<string, unknown> = {}) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, Exclude<E, SqlError> | WarehouseError, R> =>
    self.pipe(
      Effect.catchIf(
        (error): error is Extract<E, SqlError> => error instanceof SqlError,
        (error) => Effect.fail(warehouseError(operation, extra)(error)),
      ),
      Effect.catchSomeDefect((defect) =>
        defect instanceof SqlError ? Option.some(Effect.fail(warehouseError(operation, extra)(defect))) : Option.none(),
      ),
    ) as Effect.Effect<A, Exclude<E, SqlError> | WarehouseError, R>
