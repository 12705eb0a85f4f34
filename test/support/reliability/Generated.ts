import fc from "fast-check"
import { type Suite, tally, trials } from "./Tally.js"

/**
 * To replay a failure fast-check reported: `FC_SEED=… FC_PATH=… npx vitest run <file> -t <name>`;
 * `NO_SHRINK=1` reports the first failure as found (shrinking a slow property can take minutes).
 */
const replay = {
  ...(process.env.FC_SEED === undefined ? {} : { seed: Number(process.env.FC_SEED) }),
  ...(process.env.FC_PATH === undefined ? {} : { path: process.env.FC_PATH }),
  endOnFailure: process.env.NO_SHRINK === "1",
}

/**
 * Checks a fast-check property over `trials(short, long)` runs and tallies every generated input
 * it tried (`count` says how many inputs one run's value holds: lines, bodies, values). A failed
 * property is tallied as tried and not passed, then fails the test with fast-check's report.
 */
export const checkGenerated = async <A>(
  suite: Suite,
  name: string,
  runs: { readonly short: number; readonly long: number },
  arbitrary: fc.Arbitrary<A>,
  property: (value: A) => Promise<void>,
  count: (value: A) => number = () => 1,
): Promise<void> => {
  let tried = 0
  try {
    await fc.assert(
      fc.asyncProperty(arbitrary, async (value) => {
        tried += count(value)
        await property(value)
      }),
      { numRuns: trials(runs.short, runs.long), ...replay },
    )
  } catch (error) {
    tally({ suite, case: name, tried, passed: 0 })
    throw shortened(error)
  }
  tally({ suite, case: name, tried, passed: tried })
}

/** fast-check's report with each long line cut: a counterexample of megabytes would drown the output. */
const shortened = (error: unknown): unknown => {
  if (!(error instanceof Error)) return error
  const message = error.message
    .split("\n")
    .map((line) => (line.length > 2_000 ? `${line.slice(0, 2_000)}… (${line.length} characters)` : line))
    .join("\n")
  return Object.assign(new Error(message, { cause: error.cause }), { stack: message })
}

/** Own property names of the built-in prototypes, to show that nothing was added to or taken from them. */
export const prototypeSnapshot = (): Record<string, ReadonlyArray<string>> => ({
  Object: Object.getOwnPropertyNames(Object.prototype).sort(),
  Array: Object.getOwnPropertyNames(Array.prototype).sort(),
  Function: Object.getOwnPropertyNames(Function.prototype).sort(),
  String: Object.getOwnPropertyNames(String.prototype).sort(),
})
