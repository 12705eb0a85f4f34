import { HashMap, Logger } from "effect"

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
