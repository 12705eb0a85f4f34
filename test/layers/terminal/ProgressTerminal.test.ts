import { Effect, TestClock } from "effect"
import * as ProgressTerminal from "../../../src/layers/terminal/ProgressTerminal.js"
import { progressDone, reportProgress } from "../../../src/services/Progress.js"
import { assert, describe, it } from "../../support/vitest.js"

describe("Progress", () => {
  it.effect("does nothing when no Progress is provided", () => reportProgress("extract", "page 1"))

  it.effect("redraws one line in place, at most every interval", () => {
    const out: Array<string> = []
    return Effect.gen(function* () {
      yield* reportProgress("extract", "page 1")
      yield* reportProgress("extract", "page 2")
      yield* TestClock.adjust("300 millis")
      yield* reportProgress("extract", "page 3")
      yield* progressDone("extract")
      assert.deepStrictEqual(out, ["\r\x1b[K[extract] page 1", "\r\x1b[K[extract] page 3", "\r\x1b[K"])
    }).pipe(Effect.provide(ProgressTerminal.layerWith({ write: (t) => void out.push(t), intervalMs: 250 })))
  })
})
