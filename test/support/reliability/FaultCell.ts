import { Cause, Effect, Exit, Option, type Scope } from "effect"
import { exitCodeOf } from "../../../src/program/cli/ExitCodes.js"
import { type CliResult, jsonLines } from "../cli.js"
import { readQuery } from "../sqlite.js"
import { assert } from "../vitest.js"
import {
  assertCheckpointUnmoved,
  assertNoPartialFiles,
  assertSameOutputs,
  type Deployment,
  type Snapshot,
  seedCheckpoint,
  snapshot,
} from "./FaultOutputs.js"
import { scanCase } from "./Secrets.js"
import { tally, trials } from "./Tally.js"

/** What Airflow and the scheduler run: the checkpoint's week. */
export const RUN = ["run", "--use-checkpoint"] as const

/** Records a week of the generator holds in every cell: a few thousand, so a run takes a fraction of a second. */
export const EVENTS_PER_WEEK = 2_000

/** How a command ended, the same whether it ran in this process or as a real one. */
export interface RunResult {
  /** What the process exits with (0, 1, 130); for an in-process run, bin.ts's own mapping (`exitCodeOf`) of its exit. */
  readonly code: number | null
  /** The tag of the error the command failed with, from the exit or from its "run failed" log line. */
  readonly errorType: string | undefined
  readonly logs: ReadonlyArray<Record<string, unknown>>
}

const failedLine = (logs: ReadonlyArray<Record<string, unknown>>) =>
  logs.find((l) => l.level === "ERROR" && typeof l.command === "string" && l.message === `${l.command} failed`)

export const fromExit = (
  exit: Exit.Exit<unknown, unknown>,
  logs: ReadonlyArray<Record<string, unknown>>,
): RunResult => {
  if (Exit.isSuccess(exit)) return { code: 0, errorType: undefined, logs }
  const failure = Cause.failureOption(exit.cause)
  const tag = Option.isSome(failure) ? (failure.value as { _tag?: string })._tag : "Defect"
  return { code: exitCodeOf(exit), errorType: tag, logs }
}

export const fromProcess = (result: CliResult): RunResult => {
  const logs = jsonLines(result.stderr)
  return { code: result.code, errorType: failedLine(logs)?.error_type as string | undefined, logs }
}

const tail = (result: RunResult) => JSON.stringify(result.logs.slice(-6)).slice(-3000)

export const assertSucceeded = (result: RunResult) => assert.strictEqual(result.code, 0, tail(result))

/** Exit code 1, the tagged error on the exit and on the command's ERROR line, and on the run row when asked. */
export const assertFailed = (d: Deployment, result: RunResult, errorType: string, runRow = true) => {
  assert.strictEqual(result.code, 1, tail(result))
  assert.strictEqual(result.errorType, errorType, tail(result))
  assert.strictEqual(failedLine(result.logs)?.error_type, errorType, "the command's error line names the error")
  if (runRow) {
    const runs = readQuery(d.sqlite, "SELECT status, error_type FROM pipeline_run ORDER BY started_at")
    assert.deepStrictEqual(runs.at(-1), { status: "FAILED", error_type: errorType }, "the run row says why")
  }
}

/** A deployment the CLI runs against, however it is wired. */
export interface Stand extends Deployment {
  /** The trial's seed: the generator's data, and where a fault lands. */
  readonly seed: number
  /** `reverse-etl ...args` with the stand's settings, over `env`; `watch` sees each log line as it is written. */
  readonly run: (
    args: ReadonlyArray<string>,
    env?: Record<string, string>,
    watch?: (line: Record<string, unknown>) => void,
  ) => Effect.Effect<RunResult>
  /** Fails when a row reached Salesforce in two jobs that both completed. */
  readonly assertNoDoubleUpload: () => void
}

/** One cell of the matrix: an outside system, a fault, and what must follow. */
export interface FaultCase<S extends Stand> {
  /** `system × fault`, as the tally shows it. */
  readonly name: string
  /** Arms the fault once the stand is up (migrated, checkpoint at the week). */
  readonly inject?: (stand: S) => Effect.Effect<void> | void
  /** The faulted run; `run --use-checkpoint` in this process by default, with `env` over the settings. */
  readonly faulted?: (stand: S) => Effect.Effect<RunResult>
  readonly env?: Record<string, string>
  /** "recovers" (a transient fault within the retry budget), else the tag of the error the run must fail with. */
  readonly expect: "recovers" | string
  /** False when the fault keeps the run row from being written (the run never started, or it is queued). */
  readonly runRow?: boolean
  /** Shows the fault really happened, and was (or was not) retried. */
  readonly evidence: (stand: S, result: RunResult) => void
  /** Ends the fault before the clean run, when the stand would keep it. */
  readonly heal?: (stand: S) => Effect.Effect<void> | void
  /** The clean run after a failure (`run --use-checkpoint` by default); after a recovery, only when given. */
  readonly clean?: ReadonlyArray<string>
  /** Checks once the week is done. */
  readonly after?: (stand: S) => void
}

/** The seeds each cell runs with: one in `npm test`, several in the long mode. */
export const SEEDS: ReadonlyArray<number> = Array.from({ length: trials(1, 4) }, (_, i) => 31 + 7 * i)

/** Room for every trial of a cell (a few seconds each) on a busy machine. */
export const CELL_TIMEOUT = 60_000 * SEEDS.length

/**
 * Runs a cell once per seed, each trial in a scope of its own (its emulators and files), tallies
 * tried/passed as `system × fault`, and fails with the first failing trial. Every byte a trial's
 * runs printed, logged or left on disk is scanned for secrets.
 */
export const cell = <E>(name: string, trial: (seed: number) => Effect.Effect<Deployment, E, Scope.Scope>) =>
  Effect.gen(function* () {
    let passed = 0
    let failure: Cause.Cause<unknown> | undefined
    for (const seed of SEEDS) {
      const scan = (d: Deployment) =>
        Effect.sync(() => scanCase(`fault-matrix ${name} seed ${seed}`, d.outputs, [d.dir]))
      const exit = yield* Effect.exit(Effect.scoped(Effect.tap(trial(seed), scan)))
      if (Exit.isSuccess(exit)) passed++
      else failure ??= exit.cause
    }
    tally({ suite: "fault-matrix", case: name, tried: SEEDS.length, passed })
    if (failure !== undefined) return yield* Effect.failCause(failure)
  })

/** A never-faulted run of each seed's week on a stand of its own, made once per test file. */
export const referenceOf = <S extends Stand, E>(standUp: (seed: number) => Effect.Effect<S, E, Scope.Scope>) => {
  const done = new Map<number, Snapshot>()
  return (seed: number): Effect.Effect<Snapshot, E> =>
    Effect.suspend(() => {
      const known = done.get(seed)
      if (known !== undefined) return Effect.succeed(known)
      return Effect.scoped(
        Effect.gen(function* () {
          const stand = yield* standUp(seed)
          assertSucceeded(yield* stand.run(RUN))
          const taken = yield* snapshot(stand)
          done.set(seed, taken)
          return taken
        }),
      )
    })
}

/** Migrates the warehouse and points the checkpoint at the week, as a deployment stands before its run. */
export const prepareStand = (stand: Stand) =>
  Effect.gen(function* () {
    assertSucceeded(yield* stand.run(["db", "migrate"]))
    seedCheckpoint(stand.sqlite)
  })

/**
 * The cell as a test body. The faulted run either recovers (outputs equal a never-faulted run's)
 * or fails with the right error and exit 1, the checkpoint unmoved and no partial file left;
 * then the clean run must produce the never-faulted outputs, no row sent to Salesforce twice.
 */
export const matrixCell = <S extends Stand, E>(
  c: FaultCase<S>,
  standUp: (seed: number) => Effect.Effect<S, E, Scope.Scope>,
  reference: (seed: number) => Effect.Effect<Snapshot, E>,
) =>
  cell(c.name, (seed) =>
    Effect.gen(function* () {
      const ref = yield* reference(seed)
      const stand = yield* standUp(seed)
      const injected = c.inject?.(stand)
      if (Effect.isEffect(injected)) yield* injected
      const faulted = yield* c.faulted?.(stand) ?? stand.run(RUN, c.env)
      c.evidence(stand, faulted)
      if (c.expect === "recovers") {
        assertSucceeded(faulted)
      } else {
        assertFailed(stand, faulted, c.expect, c.runRow ?? true)
        assertCheckpointUnmoved(stand)
        yield* assertNoPartialFiles(stand, ref, EVENTS_PER_WEEK)
      }
      if (c.expect !== "recovers" || c.clean !== undefined) {
        const healed = c.heal?.(stand)
        if (Effect.isEffect(healed)) yield* healed
        assertSucceeded(yield* stand.run(c.clean ?? RUN))
      }
      yield* assertNoPartialFiles(stand, ref, EVENTS_PER_WEEK)
      yield* assertSameOutputs(stand, ref)
      stand.assertNoDoubleUpload()
      c.after?.(stand)
      return stand
    }),
  )
