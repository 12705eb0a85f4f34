import { Context, Effect, Option } from "effect"

/**
 * Progress of a long stage for a person at a terminal (pages and records per second during
 * extract, rows during transform, jobs during sync). Stages report through `reportProgress`,
 * which does nothing unless a Progress is provided: logs stay the record, progress is a view.
 */
export class Progress extends Context.Tag("retl/Progress")<
  Progress,
  {
    /** Replaces the current progress line of `stage` (throttled by the implementation). */
    readonly update: (stage: string, text: string) => Effect.Effect<void>
    /** Clears the progress line of `stage`. */
    readonly done: (stage: string) => Effect.Effect<void>
  }
>() {}

export const reportProgress = (stage: string, text: string): Effect.Effect<void> =>
  Effect.flatMap(
    Effect.serviceOption(Progress),
    Option.match({ onNone: () => Effect.void, onSome: (p) => p.update(stage, text) }),
  )

export const progressDone = (stage: string): Effect.Effect<void> =>
  Effect.flatMap(
    Effect.serviceOption(Progress),
    Option.match({ onNone: () => Effect.void, onSome: (p) => p.done(stage) }),
  )
