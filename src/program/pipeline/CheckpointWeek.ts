import { Clock, Effect, Option } from "effect"
import { type CheckpointError, ConfigurationError } from "../../domain/Errors.js"
import type { Week } from "../../domain/Week.js"
import { AppConfig } from "../../services/AppConfig.js"
import { Warehouse } from "../../services/Warehouse.js"

/** A weekly pipeline whose checkpoint has not moved in two weeks has missed at least one run. */
export const STALE_AFTER_DAYS = 14

const DAY_MS = 86_400_000

/**
 * The week `--use-checkpoint` runs: the warehouse checkpoint's next week; WEEK_START/WEEK_END when
 * there is no checkpoint yet. A checkpoint that cannot be read stops the run (CheckpointError):
 * guessing a week could skip one or run one twice.
 */
export const weekFromCheckpoint: Effect.Effect<Week, CheckpointError | ConfigurationError, Warehouse | AppConfig> =
  Effect.gen(function* () {
    const warehouse = yield* Warehouse
    const settings = yield* AppConfig
    const checkpoint = yield* warehouse.readCheckpoint
    if (Option.isNone(checkpoint)) {
      if (Option.isNone(settings.week)) {
        return yield* new ConfigurationError({
          message:
            "WEEK_START and WEEK_END must be set: the warehouse has no checkpoint yet to say which week runs next",
          details: { setting: "WEEK_START", rule: "required when there is no checkpoint" },
        })
      }
      yield* Effect.logInfo(`no checkpoint yet: running the configured week ${settings.week.value}`)
      return settings.week.value
    }
    const { next, updatedAt } = checkpoint.value
    const ageDays = ((yield* Clock.currentTimeMillis) - updatedAt.getTime()) / DAY_MS
    if (ageDays > STALE_AFTER_DAYS) {
      yield* Effect.logWarning(
        `the checkpoint was last updated ${Math.floor(ageDays)} days ago: runs may have been missed`,
      ).pipe(Effect.annotateLogs({ updated_at: updatedAt.toISOString(), next_week_start: next.start }))
    }
    return next
  }).pipe(Effect.withSpan("Checkpoint.week"))
