/**
 * Pipeline benchmark: one week end to end, `reverse-etl run` as a process of its own against the
 * events API, ADLS Gen2 and Salesforce emulators served by this process on 127.0.0.1, with a
 * SQLite warehouse. The same pipeline on a quarter of the week is the reference run: time per
 * event and peak RSS of the full week against it show whether the pipeline scales flat.
 *
 *   npx tsx bench/pipeline.ts                  # 1,000,000 events (and 250,000 as the reference)
 *   npx tsx bench/pipeline.ts --events 400000
 *
 * Goal: 1,000,000 events in 60 s or less on 2 cores. The emulators share the machine with the
 * pipeline, as a laptop demo does; a real deployment has them elsewhere.
 */
import { execFileSync, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import { adlsEmulator } from "../src/emulators/adls/AdlsEmulator.js"
import { ecomApiDefaults, serveEcomApi } from "../src/emulators/events-api/EcomApiServer.js"
import { salesforceEmulator } from "../src/emulators/salesforce/SalesforceEmulator.js"
import { emulatorSettings } from "../src/program/cli/EmulatorSettings.js"

const root = fileURLToPath(new URL("..", import.meta.url))
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const EVENTS = arg("events", 1_000_000)
const API_KEY = "bench-key"

interface Measurement {
  readonly events: number
  readonly seconds: number
  readonly peakRssMb: number
  readonly stages: ReadonlyArray<{ stage: string; duration_ms: number }>
  readonly customers: number
}

/** `/usr/bin/time -f %M` reports the child's peak RSS in KiB on stderr's last line. */
const runPipeline = (env: Record<string, string>, events: number, nodeOptions: string): Promise<Measurement> =>
  new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(
      "/usr/bin/time",
      [
        "-f",
        "%M",
        process.execPath,
        "dist/program/bin.js",
        "run",
        "--week-start",
        "2019-12-01",
        "--week-end",
        "2019-12-07",
      ],
      {
        cwd: root,
        env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "WARNING", NODE_OPTIONS: nodeOptions, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      },
    )
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
      if (code !== 0) return reject(new Error(`pipeline exited ${code}:\n${err.slice(-3000)}`))
      const outcome = JSON.parse(out.trim().split("\n").at(-1) as string)
      resolve({
        events,
        seconds,
        peakRssMb: Math.round(Number(err.trim().split("\n").at(-1)) / 1024),
        stages: outcome.stages,
        customers: outcome.outputs["salesforce-sync"].sent,
      })
    })
  })

const measure = (events: number, nodeOptions = "") =>
  Effect.scoped(
    Effect.gen(function* () {
      const dir = mkdtempSync(join(tmpdir(), "retl-bench-pipeline-"))
      const api = yield* serveEcomApi({
        ...ecomApiDefaults,
        data: { seed: 42, eventsPerWeek: events, malformedPct: 2 },
        withTotal: true,
        apiKey: API_KEY,
      })
      const lake = yield* adlsEmulator({ dir: `${dir}/adls` })
      const salesforce = yield* salesforceEmulator({})
      const result = yield* Effect.promise(() =>
        runPipeline(
          emulatorSettings({ eventsApi: api.url, apiKey: API_KEY, adls: lake.url, salesforce: salesforce.url }, dir),
          events,
          nodeOptions,
        ),
      )
      rmSync(dir, { recursive: true, force: true })
      return result
    }),
  )

const n = (value: number) => Math.round(value).toLocaleString("en-US")

const report = (m: Measurement) => {
  console.log(
    `${n(m.events).padStart(9)} events: ${m.seconds.toFixed(1).padStart(6)} s total, ${n(m.events / m.seconds).padStart(7)} events/s, ` +
      `peak RSS ${m.peakRssMb} MB, ${n(m.customers)} customers synced`,
  )
  for (const s of m.stages) {
    const share = (s.duration_ms / 1000 / m.seconds) * 100
    console.log(
      `    ${s.stage.padEnd(16)} ${(s.duration_ms / 1000).toFixed(1).padStart(6)} s  ${share.toFixed(0).padStart(3)}%`,
    )
  }
}

execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], {
  cwd: root,
  stdio: "inherit",
})
const reference = await Effect.runPromise(measure(Math.round(EVENTS / 4)))
report(reference)
const full = await Effect.runPromise(measure(EVENTS))
report(full)
// V8 lets the heap grow lazily when memory is plentiful, so peak RSS overstates what a run needs.
// The same week with the heap capped shows the live memory: if it completes, nothing held the week.
const CAP_MB = 192
const capped = await Effect.runPromise(measure(EVENTS, `--max-old-space-size=${CAP_MB}`))
console.log(`\nthe same week with the V8 heap capped at ${CAP_MB} MB:`)
report(capped)
const perEvent = full.seconds / full.events / (reference.seconds / reference.events)
console.log(
  `\ntime per event, ${n(full.events)} vs ${n(reference.events)}: ${perEvent.toFixed(2)}x; ` +
    `peak RSS ratio ${(full.peakRssMb / reference.peakRssMb).toFixed(2)}x (default heap); ` +
    `${full.seconds.toFixed(1)} s against the 60 s goal (${((full.seconds / 60) * 100).toFixed(0)}%); ` +
    `capped heap: ${capped.seconds.toFixed(1)} s, peak RSS ${capped.peakRssMb} MB`,
)
