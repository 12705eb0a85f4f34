import { Clock, Effect, Layer, Ref } from "effect"
import { Progress } from "../../services/Progress.js"

/**
 * Progress on a terminal: one line on stderr, redrawn in place at most every `intervalMs`.
 * Only for a person (`--log-format text` on a TTY); JSON logs get no progress noise.
 */
export const progressTerminal = (
  write: (text: string) => void = (text) => process.stderr.write(text),
  intervalMs = 250,
): Layer.Layer<Progress> =>
  Layer.effect(
    Progress,
    Effect.gen(function* () {
      const lastDraw = yield* Ref.make(Number.NEGATIVE_INFINITY)
      return {
        update: (stage, text) =>
          Effect.gen(function* () {
            const now = yield* Clock.currentTimeMillis
            const due = yield* Ref.modify(lastDraw, (last) => (now - last >= intervalMs ? [true, now] : [false, last]))
            if (due) yield* Effect.sync(() => write(`\r\x1b[K[${stage}] ${text}`))
          }),
        done: () =>
          Effect.sync(() => write("\r\x1b[K")).pipe(Effect.zipRight(Ref.set(lastDraw, Number.NEGATIVE_INFINITY))),
      }
    }),
  )
