import { Effect } from "effect"
import type { FileFacts } from "../../platform/Files.js"

/** The line each completed put logs, with `path`, `size_bytes` and `sha256`. */
export const logWritten = (lake: string, facts: FileFacts, message: string) =>
  Effect.logInfo(message).pipe(
    Effect.annotateLogs({ lake, path: facts.path, size_bytes: facts.sizeBytes, sha256: facts.sha256 }),
  )

export const logSkipped = (lake: string, facts: FileFacts) =>
  logWritten(lake, facts, "File skipped, already in the lake")
