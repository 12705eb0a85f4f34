import { Options } from "@effect/cli"
import { Effect, Option } from "effect"
import { type ConfigurationError, invalidSetting } from "../../domain/Errors.js"
import { isoDateToEpochMs } from "../../domain/Week.js"
import { ansi, type Paint, plain, wantsColour } from "../operator/TextTable.js"

/** The flags of the commands a person runs to look at the pipeline: `status`, `runs`, `salesforce failures`. */

export const json = Options.boolean("json").pipe(
  Options.withDescription("print one JSON object (field names in the README) instead of text"),
)

/** Text by default: these commands are read by a person; `--json` is what a script reads. */
export const operatorLogFormat = Options.choice("log-format", ["json", "text"]).pipe(
  Options.withDefault("text" as const),
  Options.withDescription("log lines on stderr: text (default here, for a person) or json"),
)

export const week = Options.text("week").pipe(
  Options.withDescription("only the week holding this day, YYYY-MM-DD"),
  Options.optional,
)

export const limit = (fallback: number) =>
  Options.integer("limit").pipe(Options.withDefault(fallback), Options.withDescription("rows to show at most"))

const MAX_LIMIT = 10_000

/** `--week`, checked: a real date. */
export const checkedWeek = (value: Option.Option<string>): Effect.Effect<Option.Option<string>, ConfigurationError> =>
  Option.isSome(value) && isoDateToEpochMs(value.value) === undefined
    ? Effect.fail(invalidSetting("--week", "must be a date YYYY-MM-DD", value.value))
    : Effect.succeed(value)

/** `--limit`, checked: 1 to 10,000. */
export const checkedLimit = (value: number): Effect.Effect<number, ConfigurationError> =>
  Number.isInteger(value) && value >= 1 && value <= MAX_LIMIT
    ? Effect.succeed(value)
    : Effect.fail(invalidSetting("--limit", `must be an integer from 1 to ${MAX_LIMIT.toLocaleString("en-US")}`, value))

/** Colour on stdout when it is a terminal and NO_COLOR is not set. */
export const stdoutPaint = (): Paint => (wantsColour(process.stdout.isTTY, process.env) ? ansi : plain)
