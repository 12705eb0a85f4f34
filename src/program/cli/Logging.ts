import {
  Cause,
  Context,
  FiberRef,
  FiberRefs,
  HashMap,
  HashSet,
  Layer,
  Logger,
  type LogLevel,
  Option,
  Tracer,
} from "effect"
import { isPipelineError } from "../../domain/Errors.js"
import { secretScrubber } from "../../domain/SecretText.js"

export type LogFormat = "json" | "text"

export interface LoggingOptions {
  readonly format: LogFormat
  readonly level: LogLevel.LogLevel
  /** Values to blank out of every line, whatever put them there. */
  readonly secrets?: ReadonlyArray<string>
  /** Where finished lines go; stderr by default, so stdout stays for a command's own output. */
  readonly write?: (line: string) => void
}

const LEVEL_NAMES: Record<LogLevel.LogLevel["_tag"], string> = {
  All: "ALL",
  Trace: "TRACE",
  Debug: "DEBUG",
  Info: "INFO",
  Warning: "WARNING",
  Error: "ERROR",
  Fatal: "CRITICAL",
  None: "NONE",
}

const messageText = (message: unknown): string => {
  const parts = Array.isArray(message) ? message : [message]
  return parts.map((part) => (typeof part === "string" ? part : safeJson(part))).join(" ")
}

const jsonReplacer = (_key: string, value: unknown) =>
  typeof value === "bigint"
    ? value.toString()
    : value instanceof Error
      ? { name: value.name, message: value.message }
      : value

const safeJson = (value: unknown): string => {
  try {
    return JSON.stringify(value, jsonReplacer) ?? String(value)
  } catch {
    return String(value)
  }
}

/** The error of a failed effect as log fields: our tagged errors by tag, message and details; defects by stack. */
const errorFields = (cause: Cause.Cause<unknown>): Record<string, unknown> => {
  if (Cause.isInterruptedOnly(cause)) return { error_type: "Interrupted" }
  const failure = Cause.failureOption(cause)
  if (Option.isSome(failure)) {
    const error = failure.value
    return isPipelineError(error)
      ? { error_type: error._tag, error_message: error.message, error_details: error.details }
      : { error_type: "UnexpectedError", error_message: safeJson(error) }
  }
  const defect = Cause.dieOption(cause)
  if (Option.isSome(defect)) {
    const d = defect.value
    return d instanceof Error
      ? { error_type: "Defect", error_message: `${d.name}: ${d.message}`, stack: d.stack }
      : { error_type: "Defect", error_message: safeJson(d) }
  }
  return { error_type: "Unknown", error_message: Cause.pretty(cause) }
}

const currentSpan = (refs: FiberRefs.FiberRefs): Option.Option<Tracer.AnySpan> =>
  Context.getOption(FiberRefs.getOrDefault(refs, FiberRef.currentContext), Tracer.ParentSpan)

const textValue = (value: unknown): string => {
  const text = typeof value === "string" ? value : safeJson(value)
  return /[\s"=]/.test(text) ? JSON.stringify(text) : text
}

const textLine = (fields: Record<string, unknown>): string => {
  const { timestamp, level, logger, message, ...rest } = fields
  const tail = Object.entries(rest)
    .filter(([key, value]) => value !== undefined && key !== "stack")
    .map(([key, value]) => `${key}=${textValue(value)}`)
    .join(" ")
  const stack = typeof rest.stack === "string" ? `\n${rest.stack}` : ""
  return `${timestamp} ${String(level).padEnd(8)} [${logger}] ${message}${tail ? `  ${tail}` : ""}${stack}`
}

/** Removes every secret from a finished line: raw, JSON-escaped and URL-encoded forms. */
export const makeScrubber = secretScrubber

/**
 * One structured line per log call. JSON (the default, for Airflow and log shippers) carries
 * `timestamp` (UTC), `level`, `logger` (the current span, or the `logger` annotation),
 * `message`, `correlation_id` and every annotation as a field; `text` is the same for a person.
 */
export const makeLogger = (options: LoggingOptions): Logger.Logger<unknown, void> => {
  const scrub = makeScrubber(options.secrets ?? [])
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`))
  return Logger.make(({ logLevel, message, annotations, cause, context, date }) => {
    const span = currentSpan(context)
    const annotated = Object.fromEntries(HashMap.toEntries(annotations))
    const fields: Record<string, unknown> = {
      timestamp: date.toISOString(),
      level: LEVEL_NAMES[logLevel._tag],
      logger: annotated.logger ?? Option.match(span, { onNone: () => "reverse_etl", onSome: spanName }),
      message: messageText(message),
      correlation_id: annotated.correlation_id ?? null,
      ...annotated,
      ...(Option.isSome(span) ? { trace_id: span.value.traceId, span_id: span.value.spanId } : {}),
      ...(Cause.isEmpty(cause) ? {} : errorFields(cause)),
    }
    write(scrub(options.format === "json" ? safeJson(fields) : textLine(fields)))
  })
}

const spanName = (span: Tracer.AnySpan): string => (span._tag === "Span" ? span.name : "external")

/** Makes ours the only logger (whatever was installed before) and sets the minimum level. */
export const loggingLayer = (options: LoggingOptions): Layer.Layer<never> =>
  Layer.merge(
    Layer.locallyScoped(FiberRef.currentLoggers, HashSet.make(makeLogger(options))),
    Logger.minimumLogLevel(options.level),
  )
