/**
 * Pipeline benchmark: one week end to end as Airflow runs it, `reverse-etl run --stage S` a process
 * of its own for each stage (the same AIRFLOW_CTX_DAG_RUN_ID, so they hand over through their
 * sidecars), against the events API, ADLS Gen2 and Salesforce emulators served by this process on
 * 127.0.0.1, with a SQLite warehouse. Each stage's wall time and peak RSS (`/usr/bin/time -f %M`)
 * are its own; they sit next to the DAG's task timeouts (airflow/dags/reverse_etl_weekly.py).
 *
 *   npx tsx bench/pipeline.ts                          # 1,000,000 and 5,000,000 events
 *   npx tsx bench/pipeline.ts --events 200000          # a quick run
 *   npx tsx bench/pipeline.ts --events 1000000,5000000
 *
 * The week is the emulator's REES46-shaped data (its cardinality, time forms and type variations)
 * with 2% malformed records. The extract runs with API_RATE_LIMIT_DELAY=0 (the emulator has no
 * rate limit to respect); at the default 2 s between requests of 1,000 events a week takes
 * events / 500 s to extract, which the summary prints beside the measured time. The emulators
 * share the machine with the pipeline; a real deployment has them elsewhere. Timings are wall
 * clock on a shared machine: the load average is printed with every run.
 */
import { execFileSync, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import { STAGES } from "../src/domain/RunStatus.js"
import { adlsEmulator } from "../src/emulators/adls/AdlsEmulator.js"
import { ecomApiDefaults, serveEcomApi } from "../src/emulators/events-api/EcomApiServer.js"
import { salesforceEmulator } from "../src/emulators/salesforce/SalesforceEmulator.js"
import { emulatorSettings } from "../src/program/cli/EmulatorSettings.js"

const root = fileURLToPath(new URL("..", import.meta.url))
const argAt = process.argv.indexOf("--events")
const SIZES = (argAt > 0 ? String(process.argv[argAt + 1]) : "1000000,5000000").split(",").map(Number)
const API_KEY = "bench-key"
/** The DAG's execution_timeout of each stage's task, in seconds (airflow/dags/reverse_etl_weekly.py). */
const TIMEOUTS: Record<string, number> = {
  extract: 7200,
  transform: 1800,
  load: 1800,
  "quality-gate": 300,
  "salesforce-sync": 1800,
}
/** Events a page and seconds between requests by default (API_PAGE_SIZE, API_RATE_LIMIT_DELAY). */
const DEFAULT_PAGE = 1000
const DEFAULT_DELAY_S = 2

const load = () =>
  `load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`

interface StageRun {
  readonly stage: string
  readonly seconds: number
  readonly peakRssMb: number
  readonly load: string
}

interface Measurement {
  readonly events: number
  readonly stages: ReadonlyArray<StageRun>
  readonly outputs: Record<string, Record<string, unknown>>
}

/** One stage as a process of its own; `/usr/bin/time -f %M` puts its peak RSS (KiB) on stderr's last line. */
const runStage = (stage: string, env: Record<string, string>): Promise<{ run: StageRun; out: string }> =>
  new Promise((resolve, reject) => {
    const started = performance.now()
    const args = ["-f", "%M", process.execPath, "dist/program/bin.js", "run", "--stage", stage]
    const child = spawn("/usr/bin/time", [...args, "--week-start", "2019-12-01", "--week-end", "2019-12-07"], {
      cwd: root,
      env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "WARNING", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    })
    let out = ""
    let err = ""
    child.stdout.on("data", (c) => {
      out += c
    })
    child.stderr.on("data", (c) => {
      err += c
    })
    child.on("error", reject)
    child.on("close", (code) => {
      const seconds = (performance.now() - started) / 1000
      if (code !== 0) return reject(new Error(`stage ${stage} exited ${code}:\n${err.slice(-3000)}`))
      const peakRssMb = Math.round(Number(err.trim().split("\n").at(-1)) / 1024)
      resolve({ run: { stage, seconds, peakRssMb, load: load() }, out })
    })
  })

const measure = (events: number) =>
  Effect.scoped(
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "retl-bench-pipeline-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const api = yield* serveEcomApi({
        ...ecomApiDefaults,
        data: { seed: 42, eventsPerWeek: events, malformedPct: 2 },
        withTotal: true,
        apiKey: API_KEY,
      })
      const lake = yield* adlsEmulator({ dir: `${dir}/adls` })
      const salesforce = yield* salesforceEmulator({})
      const env = {
        ...emulatorSettings({ eventsApi: api.url, apiKey: API_KEY, adls: lake.url, salesforce: salesforce.url }, dir),
        AIRFLOW_CTX_DAG_RUN_ID: `bench_${events}`,
      }
      const stages: Array<StageRun> = []
      let last = ""
      for (const stage of STAGES) {
        console.log(`  ${events.toLocaleString("en-US")} events: ${stage} … (${load()})`)
        const { run, out } = yield* Effect.promise(() => runStage(stage, env))
        console.log(`    ${run.seconds.toFixed(1)} s, peak RSS ${run.peakRssMb} MB`)
        stages.push(run)
        last = out
      }
      const outcome = JSON.parse(last.trim().split("\n").at(-1) as string)
      return { events, stages, outputs: outcome.outputs ?? {} } satisfies Measurement
    }),
  )

const n = (value: number) => Math.round(value).toLocaleString("en-US")
const minutes = (s: number) => `${(s / 60).toFixed(1)} min`

const report = (m: Measurement) => {
  const total = m.stages.reduce((sum, s) => sum + s.seconds, 0)
  const peak = Math.max(...m.stages.map((s) => s.peakRssMb))
  const sent = (m.outputs["salesforce-sync"] as { sent?: number } | undefined)?.sent
  console.log(
    `${n(m.events)} events: ${total.toFixed(1)} s end to end (${n(m.events / total)} events/s), ` +
      `highest stage peak RSS ${peak} MB, ${sent === undefined ? "?" : n(sent)} customers synced`,
  )
  console.log("  stage            |   time s | peak RSS | DAG timeout | time / timeout | load at its end")
  for (const s of m.stages) {
    const timeout = TIMEOUTS[s.stage] ?? 0
    console.log(
      `  ${s.stage.padEnd(16)} | ${s.seconds.toFixed(1).padStart(8)} | ${`${s.peakRssMb} MB`.padStart(8)} | ` +
        `${minutes(timeout).padStart(11)} | ${`${((s.seconds / timeout) * 100).toFixed(1)}%`.padStart(14)} | ${s.load}`,
    )
  }
  const throttled = (m.events / DEFAULT_PAGE) * DEFAULT_DELAY_S
  console.log(
    `  extract at the default ${DEFAULT_DELAY_S} s between requests of ${DEFAULT_PAGE}: at least ${minutes(throttled)} ` +
      `(the waits alone), against the ${minutes(TIMEOUTS.extract ?? 0)} timeout`,
  )
}

console.log(`building dist/ … (${load()})`)
execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], {
  cwd: root,
  stdio: "inherit",
})
const results: Array<Measurement> = []
for (const events of SIZES) results.push(await Effect.runPromise(measure(events)))
console.log("")
for (const m of results) report(m)
const [small, large] = results
if (small !== undefined && large !== undefined) {
  const time = (m: Measurement) => m.stages.reduce((sum, s) => sum + s.seconds, 0) / m.events
  const rss = (m: Measurement) => Math.max(...m.stages.map((s) => s.peakRssMb))
  console.log(
    `\n${n(large.events)} vs ${n(small.events)}: time per event ${(time(large) / time(small)).toFixed(2)}x, ` +
      `highest peak RSS ${(rss(large) / rss(small)).toFixed(2)}x (${load()} at the end)`,
  )
}
