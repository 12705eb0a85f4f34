import { once } from "node:events"
import { createWriteStream } from "node:fs"
import { epochMsToIsoDate } from "../../src/domain/Week.js"
import {
  type DataWindow,
  type EcomData,
  ndjsonLines,
  recordTexts,
} from "../../src/emulators/events-api/EcomDataGenerator.js"

/**
 * Lines of `raw.ndjson` as the extract writes them from the events API: the emulator's generator
 * (REES46-shaped: its cardinality, time forms, ids as numbers or strings, extra fields), record by
 * record. Deterministic for a seed. `brokenLines` are malformed records written by hand.
 */

/** `2019-11-01 00:00:03 UTC`. */
export const utcText = (epochMs: number): string =>
  `${new Date(epochMs).toISOString().slice(0, 19).replace("T", " ")} UTC`

export interface EventLines {
  /** The next line, without its newline. */
  readonly next: () => string
}

const DAY_MS = 86_400_000

/** The window of `days` days from `startMs`. */
export const windowOf = (startMs: number, days: number): DataWindow => ({
  start: epochMsToIsoDate(startMs),
  end: epochMsToIsoDate(startMs + (days - 1) * DAY_MS),
})

/** `count` valid events of the window of `days` days from `startMs`, in time order, as the API serves them. */
export const eventLines = (options: { startMs: number; days: number; count: number; seed?: number }): EventLines => {
  const text = recordTexts(
    { seed: options.seed ?? 42, eventsPerWeek: options.count, malformedPct: 0 },
    windowOf(options.startMs, options.days),
  )
  let i = 0
  return { next: () => text(i++) }
}

/** Writes the whole window of `data` to `path` as the extract would (one record a line), a page at a time. */
export const writeWeek = async (path: string, data: EcomData, window: DataWindow): Promise<void> => {
  const out = createWriteStream(path)
  for (let from = 0; from < data.eventsPerWeek; from += 10_000) {
    if (!out.write(ndjsonLines(data, window, from, Math.min(from + 10_000, data.eventsPerWeek)))) {
      await once(out, "drain")
    }
  }
  out.end()
  await once(out, "finish")
}

/**
 * One malformed record of each kind the emulator serves, for a week starting `startMs`, each
 * with the field its reject names (`""` for the record itself).
 */
export const brokenLines = (startMs: number): ReadonlyArray<{ readonly line: string; readonly path: string }> => {
  const at = utcText(startMs + 3_600_000)
  const base = `"event_type":"view","product_id":1004856,"category_id":2053013555631882655,"price":130.76`
  return [
    { line: "this is not json", path: "" },
    { line: `{"event_time":"${at}","event_type":"view"`, path: "" },
    { line: `[{"event_time":"${at}"}]`, path: "" },
    { line: "42", path: "" },
    { line: "", path: "" },
    { line: `{"event_time":"${at}",${base}}`, path: "user_id" },
    { line: `{"event_time":"${at}",${base},"user_id":null}`, path: "user_id" },
    { line: `{"event_time":"not a time",${base},"user_id":1}`, path: "event_time" },
    { line: `{"event_time":"${at}","event_type":"view","price":-5,"user_id":7}`, path: "price" },
    { line: `{"event_time":"${at}","event_type":"view","price":"cheap","user_id":7}`, path: "price" },
    { line: `{"event_time":"${utcText(startMs - 1000)}",${base},"user_id":8}`, path: "event_time" },
    { line: `{"event_time":"${at}","event_type":"","user_id":9}`, path: "event_type" },
    { line: `{"event_time":"${at}","event_type":"view","brand":5,"user_id":9}`, path: "brand" },
  ]
}

/** Writes `lines` lines of `source` to `path`, one a line, streamed. */
export const writeLines = async (path: string, count: number, line: (i: number) => string): Promise<void> => {
  const out = createWriteStream(path)
  let buffer = ""
  for (let i = 0; i < count; i++) {
    buffer += `${line(i)}\n`
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, "drain")
      buffer = ""
    }
  }
  out.end(buffer)
  await once(out, "finish")
}
