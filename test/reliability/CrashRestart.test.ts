import { Context, Effect, Layer, Option, type Scope } from "effect"
import { STAGES, type StageName } from "../../src/domain/RunStatus.js"
import { adlsEmulator } from "../../src/emulators/adls/AdlsEmulator.js"
import { ecomApiDefaults, serveEcomApi } from "../../src/emulators/events-api/EcomApiServer.js"
import { salesforceEmulator } from "../../src/emulators/salesforce/SalesforceEmulator.js"
import { assertLikeCleanRun, type Reference } from "../support/reliability/CrashChecks.js"
import {
  type Deployment,
  deployment,
  PARTITION,
  parquetFiles,
  parquetRows,
  salesforceLogin,
  seedPendingQueue,
  WEEK_FLAGS,
  weekState,
  weekTempsOn,
} from "../support/reliability/CrashDeployment.js"
import { type ProcessRun, runProcess, seededRandom, tail, trialSeed } from "../support/reliability/CrashProcess.js"
import { SECRETS, scanCase } from "../support/reliability/Secrets.js"
import { LONG, tally, trials } from "../support/reliability/Tally.js"
import { scopedTempDir } from "../support/TempDir.js"
import { assert, describe, layer } from "../support/vitest.js"

const SEED = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31))
const SEED_LINE = `crash-restart: seed ${SEED} (CRASH_SEED=${SEED} replays the same kill points)`
if (LONG) console.log(SEED_LINE)

/**
 * Where a process is killed: in one of the stages, from its "started" line on, or in the end of
 * the week after the last stage (marker, run row, checkpoint, clean-up), from "salesforce-sync
 * succeeded" on.
 */
type Point = StageName | "completion"
const POINTS: ReadonlyArray<Point> = [...STAGES, "completion"]
const trigger = (point: Point) => (point === "completion" ? "salesforce-sync succeeded" : `${point} started`)
/** The stage process a `--stage` trial kills. */
const stageOf = (point: Point): StageName => (point === "completion" ? "salesforce-sync" : point)

/** How long each point's window lasted in the clean run: from its trigger to the next stage's, or to the exit. */
const windowOf = (clean: ProcessRun, point: Point) => {
  const next = POINTS[POINTS.indexOf(point) + 1]
  const from = clean.seen.get(trigger(point)) ?? 0
  const to = next === undefined ? clean.exitMs : (clean.seen.get(trigger(next)) ?? clean.exitMs)
  return Math.max(1, to - from)
}

const DATA = { seed: 17, eventsPerWeek: 20_000, malformedPct: 1 }

class Bench extends Context.Tag("test/CrashBench")<
  Bench,
  {
    readonly deploy: (name: string) => Effect.Effect<Deployment, never, Scope.Scope>
    readonly clean: ProcessRun
    readonly reference: Reference
    readonly slots: Effect.Semaphore
  }
>() {}

/** The emulators (alive across every kill) and a clean run of the week to compare each trial with. */
const BenchLive = Layer.scoped(
  Bench,
  Effect.gen(function* () {
    const api = yield* serveEcomApi({ ...ecomApiDefaults, data: DATA, withTotal: true, apiKey: SECRETS.API_KEY })
    const lake = yield* adlsEmulator({ accountKey: SECRETS.AZURE_STORAGE_ACCOUNT_KEY })
    // Its directory lives as long as the scope that deploys it (the bench, or one trial): vitest's
    // onTestFinished cannot tell which of the concurrent trials made it.
    const deploy = (name: string) =>
      Effect.zipWith(salesforceEmulator(salesforceLogin), scopedTempDir(`retl-crash-${name}-`), (sf, root) =>
        deployment(root, name, api, lake, sf),
      )
    const d = yield* deploy("clean")
    seedPendingQueue(d, "a")
    const clean = yield* Effect.promise(() => runProcess(["run", ...WEEK_FLAGS], d.env("a")))
    assert.strictEqual(clean.code, 0, tail(clean))
    const fetched = clean.stderr.split("\n").find((line) => line.includes('"Fetched all events from API"'))
    const raw = JSON.parse(fetched ?? "{}") as { size_bytes: number; sha256: string }
    const reference: Reference = {
      state: weekState(d),
      events: yield* Effect.promise(() => parquetRows(parquetFiles(d, "events.parquet")[0] as string)),
      rejects: yield* Effect.promise(() => parquetRows(parquetFiles(d, "rejects.parquet")[0] as string)),
      raw: { sizeBytes: raw.size_bytes, sha256: raw.sha256 },
    }
    assert.isAbove(reference.state.salesforce.count, 1000)
    assert.isAbove(reference.rejects.count, 0)
    scanCase("crash-restart: clean run", [clean.stdout, clean.stderr], [d.root])
    return { deploy, clean, reference, slots: yield* Effect.makeSemaphore(SLOTS) }
  }),
)

type Mode = "full" | "stage"

/** Runs until a run succeeds (at most three times), collecting every process. */
const untilSuccess = (args: ReadonlyArray<string>, env: Record<string, string>, runs: Array<ProcessRun>) =>
  Effect.gen(function* () {
    for (let attempt = 1; attempt <= 3; attempt++) {
      const run = yield* Effect.promise(() => runProcess(args, env))
      runs.push(run)
      if (run.code === 0) return attempt
    }
    return assert.fail(`no run succeeded after the crash:\n${runs.map((r) => tail(r, 600)).join("\n")}`)
  })

/**
 * One trial: the week run on a fresh deployment, SIGKILL at the trial's point, then the same run
 * again until it succeeds (a full run, or the killed stage and those after it, as Airflow's
 * retries would), then the deployment compared with the clean run.
 */
const trial = (point: Point, k: number, mode: Mode, scale: number, say: (line: string) => void) =>
  Effect.gen(function* () {
    const { deploy, clean, reference } = yield* Bench
    const random = seededRandom(trialSeed(SEED, point, k))
    const delayMs = Math.floor(random() * windowOf(clean, point) * scale)
    const label = `seed ${SEED}, SIGKILL ${delayMs} ms after "${trigger(point)}" (${point} #${k}, ${mode} run)`
    const d = yield* deploy(`${point.replace(/[^a-z]/g, "")}${k}${mode}`)
    const kill = { after: trigger(point), delayMs }
    const runs: Array<ProcessRun> = []
    let killed: ProcessRun | undefined
    let attempts = 0
    const queued = mode === "full" ? "a" : "w-extract"
    const target = stageOf(point)
    const killedDisk = mode === "full" ? "a" : `w-${target}`
    const retryDisk = random() < 0.5 ? `w-${target}` : `w-${target}-retry`
    seedPendingQueue(d, queued)
    if (mode === "full") {
      killed = yield* Effect.promise(() => runProcess(["run", ...WEEK_FLAGS], d.env("a"), kill))
      runs.push(killed)
      if (killed.code !== 0) attempts = yield* untilSuccess(["run", ...WEEK_FLAGS], d.env("a"), runs)
    } else {
      // Each stage on a disk of its own; the retry of the killed one on the same disk or another.
      const tag = { AIRFLOW_CTX_DAG_RUN_ID: `scheduled__crash-${k}` }
      for (const stage of STAGES) {
        const args = ["run", ...WEEK_FLAGS, "--stage", stage]
        const run = yield* Effect.promise(() =>
          runProcess(args, d.env(`w-${stage}`, tag), stage === target ? kill : undefined),
        )
        runs.push(run)
        if (stage === target) {
          killed = run
          if (run.code !== 0) attempts = yield* untilSuccess(args, d.env(retryDisk, tag), runs)
        } else {
          assert.strictEqual(run.code, 0, `${label}: ${tail(run)}`)
        }
      }
    }
    if (killed === undefined) return assert.fail("no process was planned to be killed")
    // A disk the re-run used again holds no temp file of the killed process in the week's directories.
    const rerunDisk = mode === "full" ? "a" : retryDisk
    if (rerunDisk === killedDisk) assert.deepStrictEqual(weekTempsOn(d, killedDisk), [], `${label}: temp files left`)
    const landed = killed.killedAtMs !== undefined
    if (!landed) assert.strictEqual(killed.code, 0, `${label}: ${tail(killed)}`)
    assert.isAtMost(attempts, 1, `${label}: the first run after the crash should succeed`)
    const checked = yield* Effect.promise(() => assertLikeCleanRun(d, runs, reference, label, queued))
    scanCase(
      `crash-restart: SIGKILL in ${point}`,
      runs.flatMap((r) => [r.stdout, r.stderr]),
      [d.root],
    )
    const logged = (message: string) =>
      runs.reduce((n, r) => n + r.stderr.split(`"message":"${message}"`).length - 1, 0)
    const reattached = logged("reattaching to unfinished Bulk job")
    const endsFinished = logged("the run that finished this week stopped before its end: finishing it")
    say(
      `crash-restart: ${label}: ${landed ? `killed at ${killed.killedAtMs} ms` : "finished before the kill"}, ` +
        `${attempts} re-run(s), ${d.sf.requestsOf("closeJob").length} Bulk jobs closed, ${reattached} reattached, ` +
        `${endsFinished} interrupted end finished, ` +
        `${checked.hiddenTemps} hidden temp file(s) left: ok`,
    )
    // What the re-run had to recover, for the table: the suite's worth is in these paths being taken.
    const recovered = [
      ...(reattached > 0 ? ["Bulk job reattached"] : []),
      ...(endsFinished > 0 ? ["interrupted end finished"] : []),
    ]
    return landed ? Option.some(recovered) : Option.none()
  })

/**
 * Trials alternate full runs and `--stage` runs. The sync's first trial (its only one in `npm
 * test`) is Airflow's: the retry of the killed stage joins the run whose Bulk jobs it left.
 */
const modeOf = (point: Point, k: number): Mode =>
  (k + (point === "salesforce-sync" ? 1 : 0)) % 2 === 0 ? "full" : "stage"

const COUNT = (point: Point) => (point === "salesforce-sync" || point === "completion" ? trials(1, 16) : trials(1, 10))

/** Trials at once: two in `npm test` (two cores), one at a time in the long mode, which is not in a hurry. */
const SLOTS = LONG ? 1 : 2
/**
 * The points killed: every one in the long mode; in `npm test`, which must stay within CI's
 * minutes, the sync (the most to recover: Bulk jobs in flight) and two more drawn from the seed, so
 * that successive runs cover them all and `CRASH_SEED` replays the same three.
 */
const pointsTried = (seed: number): ReadonlyArray<Point> => {
  if (LONG) return POINTS
  const random = seededRandom(trialSeed(seed, "points"))
  const others = POINTS.filter((p) => p !== "salesforce-sync")
    .map((point) => ({ point, key: random() }))
    .sort((a, b) => a.key - b.key)
    .slice(0, 2)
    .map((o) => o.point)
  return POINTS.filter((p) => p === "salesforce-sync" || others.includes(p))
}
const TRIED = pointsTried(SEED)
const ALL_TRIALS = TRIED.reduce((n, point) => n + COUNT(point), 0)

describe.concurrent(`crash and restart: SIGKILL at seeded points of each stage, then re-run (week ${PARTITION})`, () => {
  layer(BenchLive, { timeout: "120 seconds", excludeTestServices: true })((it) => {
    for (const point of TRIED) {
      it.scoped(
        `SIGKILL in ${point}: the re-run ends exactly as a clean run`,
        (ctx) =>
          Effect.gen(function* () {
            const { slots } = yield* Bench
            // Each trial's line: as it ends in the long mode; in `npm test`, only if the test fails.
            const said: Array<string> = []
            const say = (line: string) => (LONG ? console.log(line) : said.push(line))
            ctx.onTestFailed(() => console.log([SEED_LINE, ...said].join("\n")))
            // A trial whose process finished before its kill (it ran faster than the clean run) is
            // checked but not counted: another is drawn, in a window half as long, so every counted
            // trial is a crash.
            let landed = 0
            for (let k = 0; landed < COUNT(point) && k < 2 * COUNT(point); k++) {
              const mode = modeOf(point, k)
              const label = `SIGKILL in ${point} · ${mode === "full" ? "full run" : "--stage run (Airflow)"}`
              const recovered = yield* trial(point, k, mode, 0.5 ** (k - landed), say).pipe(
                Effect.scoped,
                slots.withPermits(1),
                Effect.tapDefect(() =>
                  Effect.sync(() => tally({ suite: "crash-restart", case: label, tried: 1, passed: 0 })),
                ),
              )
              if (Option.isNone(recovered)) continue
              landed++
              const what = recovered.value.length === 0 ? "" : ` · ${recovered.value.join(", ")}`
              tally({ suite: "crash-restart", case: `${label}${what}`, tried: 1, passed: 1 })
            }
            assert.strictEqual(landed, COUNT(point), `seed ${SEED}: too few kills of ${point} landed before the exit`)
          }),
        // Waiting for a slot counts too: every trial of the file may come before this one's.
        Math.ceil((2 * ALL_TRIALS) / SLOTS) * 60_000,
      )
    }
  })
})
