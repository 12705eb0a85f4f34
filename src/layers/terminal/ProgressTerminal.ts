import { Clock, Effect, Layer, Ref } from "effect"
import { Progress } from "../../services/Progress.js"

export interface ProgressTerminalOptions {
  /** Where the line is drawn; stderr by default. */
  readonly write?: (text: string) => void
  /** The least time between two draws (default 250 ms). */
  readonly intervalMs?: number
}

/**
 * Progress on a terminal: one line, redrawn in place at most every `intervalMs`. Only for a
 * person (`--log-format text` on a TTY); JSON logs get no progress noise.
 */
export const layerWith = (options: ProgressTerminalOptions): Layer.Layer<Progress> =>
  Layer.effect(
    Progress,
    Effect.gen(function* () {
      const write = options.write ?? ((text: string) => process.stderr.write(text))
      const intervalMs = options.intervalMs ?? 250
      const lastDraw = yield* Ref.make(Number.NEGATIVE_INFINITY)
      const update = Effect.fn("Progress.update")(function* (stage: string, text: string) {
        const now = yield* Clock.currentTimeMillis
        const due = yield* Ref.modify(lastDraw, (last) => (now - last >= intervalMs ? [true, now] : [false, last]))
        if (due) yield* Effect.sync(() => write(`\r\x1b[K[${stage}] ${text}`))
      })
      const done = Effect.fn("Progress.done")((_stage: string) =>
        Effect.sync(() => write("\r\x1b[K")).pipe(Effect.zipRight(Ref.set(lastDraw, Number.NEGATIVE_INFINITY))),
      )
      return { update, done }
    }),
  )

/** Progress on stderr, redrawn at most every 250 ms. */
export const layer: Layer.Layer<Progress> = layerWith({})
