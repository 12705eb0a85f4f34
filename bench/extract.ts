/**
 * Extract benchmark: a week served by the ecom API emulator in the same process as the extract
 * stage (the real HttpClient over 127.0.0.1, real files), with no rate limit.
 *
 *   npx tsx bench/extract.ts                   # 1,000,000 events
 *   npx tsx bench/extract.ts --events 200000   # a smaller week
 *
 * 1. The week at concurrency 1 and 4, and a quarter of it at 4: events/s, their ratio, peak RSS,
 *    and peak RSS of the full week against the quarter (memory must not grow with the week).
 *    Emulator and client share one CPU-bound thread here, so concurrency cannot help much;
 * 2. so a fifth of the week again at 1 and 4 with 20 ms added to every response, as a remote API
 *    has: there the pages in flight are what makes the stage fast.
 *
 * Each measurement is a child process of its own (bench/extractChild.mjs) on the compiled build,
 * as `reverse-etl` runs in production, so its peak RSS is its own and has no TypeScript loader in
 * it. Absolute numbers depend on the machine and on what else runs on it.
 */
import { execFileSync, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

interface Measurement {
  readonly events: number
  readonly concurrency: number
  readonly latencyMs: number
  readonly seconds: number
  readonly cpuSeconds: number
  readonly eventsPerSecond: number
  readonly startRssMb: number
  readonly peakRssMb: number
  readonly sha256: string
}

const root = fileURLToPath(new URL("..", import.meta.url))

const inChild = (events: number, concurrency: number, latencyMs = 0): Promise<Measurement> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["bench/extractChild.mjs", String(events), String(concurrency), String(latencyMs)],
      { cwd: root, stdio: ["ignore", "pipe", "inherit"] },
    )
    let out = ""
    child.stdout.on("data", (chunk) => {
      out += chunk
    })
    child.on("error", reject)
    child.on("close", (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split("\n").at(-1) as string) as Measurement)
        : reject(new Error(`measurement exited ${code}`)),
    )
  })

const n = (value: number) => Math.round(value).toLocaleString("en-US")

const row = (m: Measurement) =>
  console.log(
    `${`${n(m.events)} events, concurrency ${m.concurrency}${m.latencyMs > 0 ? `, +${m.latencyMs} ms` : ""}`.padEnd(40)}` +
      `${m.seconds.toFixed(2).padStart(7)} s ${n(m.eventsPerSecond).padStart(9)} events/s  ` +
      `cpu ${m.cpuSeconds.toFixed(2).padStart(6)} s   RSS ${String(m.startRssMb).padStart(4)} MB at start, ${String(m.peakRssMb).padStart(4)} MB peak`,
  )

const args = process.argv.slice(2)
const eventsFlag = args.indexOf("--events")
const events = eventsFlag >= 0 ? Number(args[eventsFlag + 1]) : 1_000_000
const quarter = Math.round(events / 4)
const fifth = Math.round(events / 5)

console.log("building dist/ (the measured processes run the compiled build) ...")
execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], {
  cwd: root,
  stdio: "inherit",
})
console.log("extract benchmark: emulator and extract in one process, rate delay 0, page size 1000\n")

const one = await inChild(events, 1)
row(one)
const four = await inChild(events, 4)
row(four)
const small = await inChild(quarter, 4)
row(small)
if (one.sha256 !== four.sha256) throw new Error("concurrency 1 and 4 wrote different files")
const remoteOne = await inChild(fifth, 1, 20)
row(remoteOne)
const remoteFour = await inChild(fifth, 4, 20)
row(remoteFour)

console.log("")
console.log(`events/s at concurrency 4:            ${n(four.eventsPerSecond)} (goal >= 150,000 on 2 cores)`)
console.log(`concurrency 4 / 1, same process:      ${(four.eventsPerSecond / one.eventsPerSecond).toFixed(2)}x`)
console.log(
  `concurrency 4 / 1, 20 ms per page:    ${(remoteFour.eventsPerSecond / remoteOne.eventsPerSecond).toFixed(2)}x`,
)
console.log(`peak RSS at concurrency 4:            ${four.peakRssMb} MB (goal < 300 MB)`)
console.log(
  `peak RSS ${n(events)} / ${n(quarter)} events:  ${(four.peakRssMb / small.peakRssMb).toFixed(2)}x (goal <= 1.25x)`,
)
