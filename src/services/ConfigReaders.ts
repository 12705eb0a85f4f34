import { Config, Effect, Either, Option, Redacted } from "effect"
import { ConfigurationError, invalidSetting } from "../domain/Errors.js"
import { holdsDecimal } from "../domain/ExactRate.js"
import { validateLakePath } from "../domain/LakePath.js"

/**
 * Readers for one setting each. A setting comes from the current `ConfigProvider` (the process
 * environment over `config.env` in production, a map in tests); a blank value counts as unset.
 * Every failure is a `ConfigurationError` naming the setting and the rule it breaks. Secret
 * values are never quoted back.
 */
export type Reader<A> = Effect.Effect<A, ConfigurationError>

/** The trimmed value of a setting, `None` when unset or blank. */
export const raw = (setting: string): Reader<Option.Option<string>> =>
  Config.string(setting).pipe(
    Config.option,
    Effect.map(Option.flatMap((value) => Option.liftPredicate(value.trim(), (v) => v.length > 0))),
    Effect.mapError(() => invalidSetting(setting, "could not be read")),
  )

/** Parses a set value with `parse`, which answers `undefined` when the value breaks `rule`. */
const parsed = <A>(setting: string, rule: string, parse: (value: string) => A | undefined) =>
  Effect.flatMap(raw(setting), (option) =>
    Option.match(option, {
      onNone: () => Effect.succeed(Option.none<A>()),
      onSome: (value) => {
        const result = parse(value)
        return result === undefined
          ? Effect.fail(invalidSetting(setting, rule, value))
          : Effect.succeed(Option.some(result))
      },
    }),
  )

const withDefault =
  <A>(fallback: A) =>
  (reader: Reader<Option.Option<A>>): Reader<A> =>
    Effect.map(
      reader,
      Option.getOrElse(() => fallback),
    )

export const optionalText = (setting: string): Reader<Option.Option<string>> => raw(setting)

export const text = (setting: string, fallback: string): Reader<string> => withDefault(fallback)(raw(setting))

export const secret = (setting: string): Reader<Option.Option<Redacted.Redacted>> =>
  Config.redacted(setting).pipe(
    Config.option,
    Effect.map(Option.filter((value) => Redacted.value(value).trim().length > 0)),
    Effect.mapError(() => invalidSetting(setting, "could not be read")),
  )

/** A lake path prefix (ADLS_BASE_PATH): relative, within the lake; trailing slashes are dropped. */
export const lakePath = (setting: string, fallback: string): Reader<string> =>
  withDefault(fallback)(
    parsed(
      setting,
      "must be a relative lake path: no leading '/', no '.', '..' or empty segments, no backslashes or control characters",
      (value) => {
        const path = value.replace(/\/+$/, "")
        return Either.isRight(validateLakePath(path)) ? path : undefined
      },
    ),
  )

export const optionalUrl = (setting: string): Reader<Option.Option<string>> =>
  parsed(setting, "must be an http:// or https:// URL", (value) => {
    try {
      const url = new URL(value)
      return url.protocol === "http:" || url.protocol === "https:" ? value.replace(/\/+$/, "") : undefined
    } catch {
      return undefined
    }
  })

const rangeRule = (kind: string, min: number, max: number) =>
  max === Number.POSITIVE_INFINITY ? `must be ${kind} of at least ${min}` : `must be ${kind} from ${min} to ${max}`

/** A number setting written as `pattern`, from `min` to `max`. */
const bounded =
  (kind: string, pattern: RegExp) =>
  (setting: string, fallback: number, min: number, max = Number.POSITIVE_INFINITY): Reader<number> =>
    withDefault(fallback)(
      parsed(setting, rangeRule(kind, min, max), (value) => {
        if (!pattern.test(value)) return undefined
        const n = Number(value)
        return n >= min && n <= max ? n : undefined
      }),
    )

export const integer = bounded("an integer", /^[+-]?\d+$/)

export const decimal = bounded("a number", /^[+-]?(\d+\.?\d*|\.\d+)$/)

/**
 * A percentage a rate is held to (0 to 100), compared exactly (`exceedsPct`): refused when the
 * number cannot hold the decimal as written (more than 15 significant digits), so that what is
 * compared is what was written.
 */
export const percent = (setting: string, fallback: number): Reader<number> =>
  Effect.flatMap(Effect.zip(decimal(setting, fallback, 0, 100), raw(setting)), ([value, text]) =>
    Option.isSome(text) && !holdsDecimal(text.value, value)
      ? Effect.fail(invalidSetting(setting, "must have at most 15 significant digits", text.value))
      : Effect.succeed(value),
  )

export const optionalOneOf = <const Values extends ReadonlyArray<string>>(
  setting: string,
  values: Values,
): Reader<Option.Option<Values[number]>> =>
  parsed(setting, `must be one of ${values.join(", ")}`, (value) =>
    values.find((allowed) => allowed.toLowerCase() === value.toLowerCase()),
  )

export const oneOf = <const Values extends ReadonlyArray<string>>(
  setting: string,
  values: Values,
  fallback: Values[number],
): Reader<Values[number]> => withDefault(fallback)(optionalOneOf(setting, values))

export const matching = (setting: string, rule: string, pattern: RegExp, fallback: string): Reader<string> =>
  withDefault(fallback)(parsed(setting, rule, (value) => (pattern.test(value) ? value : undefined)))

/**
 * Runs every reader and reports every broken setting at once, so a person fixes a config file in
 * one pass rather than one error per start.
 */
export const all = <const Readers extends Record<string, Reader<unknown>>>(
  readers: Readers,
): Reader<{ [K in keyof Readers]: Effect.Effect.Success<Readers[K]> }> => {
  const entries = Object.entries(readers as Record<string, Reader<unknown>>)
  return Effect.all(
    entries.map(([, reader]) => Effect.either(reader)),
    { concurrency: 1 },
  ).pipe(
    Effect.flatMap((results) => {
      const errors = results.flatMap((r) => (Either.isLeft(r) ? [r.left] : []))
      if (errors.length > 0) return Effect.fail(merge(errors))
      return Effect.succeed(
        Object.fromEntries(entries.map(([key], i) => [key, (results[i] as Either.Right<never, unknown>).right])),
      )
    }),
  ) as Reader<{ [K in keyof Readers]: Effect.Effect.Success<Readers[K]> }>
}

/** One error for several: messages joined, each problem's details kept (nested groups flattened). */
export const merge = (errors: ReadonlyArray<ConfigurationError>): ConfigurationError => {
  const problems = errors.flatMap((e) =>
    Array.isArray(e.details.problems) ? (e.details.problems as ReadonlyArray<unknown>) : [e.details],
  )
  if (problems.length === 1 && errors.length === 1) return errors[0] as ConfigurationError
  return new ConfigurationError({ message: errors.map((e) => e.message).join("; "), details: { problems } })
}
