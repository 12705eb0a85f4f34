import { Effect, Either } from "effect"
import { ConfigurationError } from "../../domain/Errors.js"
import { validateLakePath } from "../../domain/LakePath.js"

/** The lake path, or a `ConfigurationError` naming the rule it breaks. */
export const lakePath = (path: string): Effect.Effect<string, ConfigurationError> => validateLakePath(path)

/** A directory prefix for `list`: a lake path, or "" for the whole lake; trailing slashes ignored. */
export const lakePrefix = (prefix: string): Effect.Effect<string, ConfigurationError> => {
  const trimmed = prefix.replace(/\/+$/, "")
  if (trimmed === "") return Effect.succeed("")
  return Either.match(validateLakePath(trimmed), {
    onLeft: (e) =>
      Effect.fail(
        new ConfigurationError({ message: e.message.replace("lake path", "lake prefix"), details: e.details }),
      ),
    onRight: Effect.succeed,
  })
}

/**
 * The hidden name a put writes to before renaming into place: a leading dot keeps Spark, Hive
 * and Synapse from reading a half-written file, and `list` skips it.
 */
export const stagingPath = (path: string, unique: string): string => {
  const slash = path.lastIndexOf("/")
  return `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}.tmp-${unique}`
}

const STAGING_NAME = /(^|\/)\.[^/]+\.tmp-[A-Za-z0-9-]+$/

export const isStagingPath = (path: string): boolean => STAGING_NAME.test(path)
