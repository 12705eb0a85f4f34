import { Either } from "effect"
import { ConfigurationError } from "./Errors.js"

/**
 * A relative, slash-separated object path inside the lake's container, e.g.
 * `reverse_etl/raw_events/week_start=2019-12-01/week_end=2019-12-07/events.parquet`.
 * Absolute paths, `.` or `..` segments (also spelt `%2e`), empty segments, backslashes and
 * control characters are refused, so no path can reach outside the container or the local lake
 * directory.
 */
export const validateLakePath = (path: string): Either.Either<string, ConfigurationError> => {
  const refuse = (rule: string) =>
    Either.left(
      new ConfigurationError({ message: `lake path ${rule}: ${JSON.stringify(path)}`, details: { path, rule } }),
    )
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(path)) return refuse("must not contain control characters")
  if (path.includes("\\")) return refuse("must not contain backslashes")
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path)) return refuse("must be relative")
  const segments = path.split("/")
  if (segments.some((s) => s === "" || s === "." || s === "..")) {
    return refuse("must not have empty, '.' or '..' segments")
  }
  // A URL parser takes `%2e` for a dot: such a segment is `..` to any client that builds a URL of it.
  if (segments.some((s) => /^(\.|%2e){1,2}$/i.test(s))) {
    return refuse("must not have '.' or '..' segments spelt with '%2e'")
  }
  return Either.right(path)
}

/** Joins path pieces with single slashes, ignoring empty pieces and slashes at their ends. */
export const joinPath = (...parts: ReadonlyArray<string>): string =>
  parts
    .map((part, i) => (i === 0 ? part.replace(/\/+$/, "") : part.replace(/^\/+|\/+$/g, "")))
    .filter((part) => part.length > 0)
    .join("/")
