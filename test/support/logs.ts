import { HashMap, Logger, LogLevel } from "effect"
import { loggingLayer } from "../../src/program/cli/Logging.js"

export interface LogLine {
  readonly level: string
  readonly message: string
  readonly annotations: Record<string, unknown>
}

/** Every log line the effect writes, in memory, in place of the default logger. */
export const captureLogs = () => {
  const lines: Array<LogLine> = []
  const layer = Logger.replace(
    Logger.defaultLogger,
    Logger.make(({ logLevel, message, annotations }) => {
      const parts = Array.isArray(message) ? message : [message]
      lines.push({
        level: logLevel.label,
        message: parts.map(String).join(" "),
        annotations: Object.fromEntries(HashMap.toEntries(annotations)),
      })
    }),
  )
  return { lines, layer }
}

/** The JSON lines the program's own logger writes (the CLI's, secrets scrubbed), parsed, in place of any other logger. */
export const captureJsonLogs = () => {
  const lines: Array<Record<string, unknown>> = []
  const layer = loggingLayer({
    format: "json",
    level: LogLevel.Info,
    write: (line) => void lines.push(JSON.parse(line)),
  })
  return { lines, layer, messages: () => lines.map((l) => String(l.message)) }
}
