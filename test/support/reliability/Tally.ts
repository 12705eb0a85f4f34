import { appendFileSync, mkdirSync } from "node:fs"
import { fileURLToPath } from "node:url"

/**
 * What the reliability suite tried, for RELIABILITY.md: in the long mode (`RELIABILITY_MODE=long`,
 * many more inputs and trials) every test appends one line per case to
 * `reliability-results/tally.jsonl` (not committed), and `npm run test:reliability` turns the
 * file into the table. `npm test` (the short mode) writes nothing: the report counts only long runs.
 */
export const LONG = process.env.RELIABILITY_MODE === "long"

/** How many trials or generated inputs a case takes: few in `npm test`, many in the long mode. */
export const trials = (short: number, long: number): number => (LONG ? long : short)

export type Suite = "fault-matrix" | "crash-restart" | "hostile-input" | "paths" | "secrets"

export interface TallyLine {
  readonly suite: Suite
  /** What was tried, e.g. "events API × 503 burst". */
  readonly case: string
  readonly tried: number
  readonly passed: number
}

const DIR = fileURLToPath(new URL("../../../reliability-results", import.meta.url))

export const tally = (line: TallyLine): void => {
  if (!LONG) return
  mkdirSync(DIR, { recursive: true })
  appendFileSync(`${DIR}/tally.jsonl`, `${JSON.stringify({ ...line, mode: "long" })}\n`)
}

export const TALLY_FILE = `${DIR}/tally.jsonl`
