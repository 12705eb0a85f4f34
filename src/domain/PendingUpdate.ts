import { Either, ParseResult, Schema } from "effect"
import { RunFinish, RunStart } from "./AuditRecords.js"
import { Week } from "./Week.js"

/**
 * A warehouse write that failed and waits in `pending_db_updates.jsonl` for the next run to
 * replay it. Each line is self-contained: it names the write and carries everything it needs.
 * Every write here is idempotent, so replaying one that had in fact reached the warehouse is
 * harmless.
 */
export const PendingUpdate = Schema.Union(
  Schema.TaggedStruct("AdvanceCheckpoint", { completed: Week }),
  Schema.TaggedStruct("StartRun", { run: RunStart }),
  Schema.TaggedStruct("FinishRun", { run: RunFinish }),
)
export type PendingUpdate = typeof PendingUpdate.Type

export const PendingEntry = Schema.Struct({
  version: Schema.Literal(1),
  queuedAt: Schema.Date,
  /** Replays tried and failed so far. */
  attempts: Schema.NonNegativeInt,
  lastError: Schema.NullOr(Schema.String),
  update: PendingUpdate,
})
export type PendingEntry = typeof PendingEntry.Type

const Line = Schema.parseJson(PendingEntry)
const encodeLine = Schema.encodeSync(Line)
const decodeLine = Schema.decodeUnknownEither(Line)

export const newPendingEntry = (update: PendingUpdate, queuedAt: Date): PendingEntry => ({
  version: 1,
  queuedAt,
  attempts: 0,
  lastError: null,
  update,
})

/** One line of the queue, without its newline. */
export const encodePendingLine = (entry: PendingEntry): string => encodeLine(entry)

/** The entry of a line, or why the line cannot be one (torn, hand-edited, from a future version). */
export const decodePendingLine = (line: string): Either.Either<PendingEntry, string> =>
  Either.mapLeft(decodeLine(line), (error) => ParseResult.TreeFormatter.formatErrorSync(error))

/** The same, with why in one line a person reads: `attempts: Expected a non-negative number, actual -1`. */
export const decodePendingLineBriefly = (line: string): Either.Either<PendingEntry, string> =>
  Either.mapLeft(decodeLine(line), (error) =>
    ParseResult.ArrayFormatter.formatErrorSync(error)
      .map((issue) => (issue.path.length === 0 ? issue.message : `${issue.path.join(".")}: ${issue.message}`))
      .join("; "),
  )
