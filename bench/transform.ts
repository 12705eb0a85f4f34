/**
 * The transform stage against DuckDB on the same raw.ndjson, in the same run.
 *
 *   npx tsx bench/transform.ts            (or npm run bench:transform)
 *   npx tsx bench/transform.ts --events 100000
 *
 * The week is the events API emulator's data (REES46-shaped: its cardinality, 80% `" UTC"` times
 * and the rest ISO, a tenth of the ids as strings, a sixth of the records with extra fields, 0.1%
 * malformed), written as the extract writes it. Builds dist/ first: the stage runs as shipped
 * (compiled, worker threads on compiled code), each run in a child process of its own so its peak
 * RSS is its own: at 1,000,000 events with 2 workers and with 1, at 4,000,000 with 2. DuckDB runs
 * in this process as a user would write it: the time parsed once (` UTC` made `+00`, one cast),
 * the stage's casts and filters, `COPY … TO … (FORMAT parquet)`. Timings are wall clock on a
 * shared machine: read the ratios (taken in the same run), not the absolute numbers.
 */
import { execFileSync, spawn } from "node:child_process"
import { once } from "node:events"
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { DuckDBInstance } from "@duckdb/node-api"
import { writeWeek } from "../test/support/RawEvents.js"

const ROOT = fileURLToPath(new URL("..", import.meta.url))
const DIST = join(ROOT, "dist")
const WEEK = { start: "2019-11-01", end: "2019-11-07" }
/** The week and four times the week; `--events N` for another size (a quick check). */
const arg = process.argv.indexOf("--events")
const FIRST = arg > 0 ? Number(process.argv[arg + 1]) : 1_000_000
const SIZES = [FIRST, 4 * FIRST]
const MALFORMED_PCT = 0.1

const number = (n: number) => Math.round(n).toLocaleString("en-US")
const load = () =>
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(", ")}`

const dist = (path: string) => JSON.stringify(pathToFileURL(join(DIST, path)).href)

/**
 * The stage, compiled, in a child process: it prints its rows, its time and its peak RSS. A file
 * of its own (not `node -e`, whose flags worker threads would inherit), importing by URL.
 */
const CHILD = `
import * as NodeFileSystem from ${JSON.stringify(import.meta.resolve("@effect/platform-node/NodeFileSystem"))}
import { Effect, Either, Layer, Logger, LogLevel } from ${JSON.stringify(import.meta.resolve("effect"))}
import { parseWeek } from ${dist("domain/Week.js")}
import { weekPaths } from ${dist("domain/WeekPaths.js")}
import * as AppConfigProvider from ${dist("layers/config/AppConfigProvider.js")}
import { transform } from ${dist("program/stages/Transform.js")}
const [dir, start, end, workers] = process.argv.slice(2)
const week = Either.getOrThrow(parseWeek(start, end))
const paths = weekPaths({ localDataDir: dir + "/data", localRejectsDir: dir + "/rejects", stateDir: dir, lakeBasePath: "l", lakeRejectsBasePath: "r" }, week)
const settings = { TRANSFORM_WORKERS: workers, ...(process.env.PARQUET_ROW_GROUP_SIZE ? { PARQUET_ROW_GROUP_SIZE: process.env.PARQUET_ROW_GROUP_SIZE } : {}) }
// CPU seconds of each thread, from /proc/self/task/<tid>/stat (utime + stime, in ticks of 10 ms),
// sampled every 250 ms: a worker's last quarter second is lost when it ends before the next sample.
const { existsSync, readdirSync, readFileSync } = await import("node:fs")
const ticks = new Map()
const sample = () => {
  if (!existsSync("/proc/self/task")) return
  for (const tid of readdirSync("/proc/self/task")) {
    try {
      const stat = readFileSync("/proc/self/task/" + tid + "/stat", "utf8")
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
      ticks.set(tid, Number(fields[11]) + Number(fields[12]))
    } catch {}
  }
}
sample()
const before = new Set(ticks.keys())
const timer = setInterval(sample, 250)
const started = performance.now()
const result = await Effect.runPromise(transform(paths, { ingestedAtMicros: Date.now() * 1000 }).pipe(
  Effect.provide(Layer.mergeAll(NodeFileSystem.layer, AppConfigProvider.layerFromMap(settings))),
  Logger.withMinimumLogLevel(LogLevel.Warning)))
const ms = performance.now() - started
sample()
clearInterval(timer)
const seconds = (tid) => (ticks.get(tid) ?? 0) / 100
const main = seconds(String(process.pid))
const helpers = [...before].filter((tid) => tid !== String(process.pid)).reduce((sum, tid) => sum + seconds(tid), 0)
const fresh = [...ticks.keys()].filter((tid) => !before.has(tid)).map(seconds).sort((a, b) => b - a)
const workerCpu = fresh.slice(0, Number(workers))
const others = fresh.slice(Number(workers)).reduce((sum, s) => sum + s, 0)
const cpu = { main, workers: workerCpu, helpers: helpers + others }
console.log(JSON.stringify({ ms, cpu, fetched: result.rowsFetched, valid: result.rowsValid, rejected: result.rowsRejected, bytes: result.events.sizeBytes, peakRssMb: process.resourceUsage().maxRSS / 1024 }))
`

/**
 * CPU seconds of the stage's threads: this process's main thread, each worker (the busiest
 * threads started during the run), and the rest (V8's GC and compiler threads, libuv's pool).
 */
interface ThreadCpu {
  readonly main: number
  readonly workers: ReadonlyArray<number>
  readonly helpers: number
}

interface StageRun {
  readonly ms: number
  readonly cpu: ThreadCpu
  readonly fetched: number
  readonly valid: number
  readonly rejected: number
  readonly bytes: number
  readonly peakRssMb: number
}

interface DuckRun {
  readonly ms: number
  readonly rows: number
  readonly bytes: number
}

const runStage = async (script: string, dir: string, workers: number): Promise<StageRun> => {
  const child = spawn(process.execPath, [script, dir, WEEK.start, WEEK.end, String(workers)], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  })
  let out = ""
  child.stdout.on("data", (chunk) => {
    out += chunk
  })
  const [code] = await once(child, "close")
  if (code !== 0) throw new Error(`the stage's child process exited with ${code}`)
  rmSync(join(dir, "data", `week_start=${WEEK.start}`, `week_end=${WEEK.end}`, "events.parquet"), { force: true })
  return JSON.parse(out.trim().split("\n").pop() as string) as StageRun
}

/** The stage's rules in SQL: the time parsed once, trimmed text, empty → null, the week and the required fields. */
const duckSql = (raw: string, out: string) => {
  const text = (name: string) => `nullif(trim(${name}), '')`
  return `COPY (
    WITH parsed AS (
      SELECT TRY_CAST(replace(event_time, ' UTC', '+00') AS TIMESTAMPTZ) AS time, TRY_CAST(price AS DOUBLE) AS amount, *
      FROM read_json('${raw}', format = 'newline_delimited', ignore_errors = true, columns = {
        event_time: 'VARCHAR', event_type: 'VARCHAR', product_id: 'VARCHAR', category_id: 'VARCHAR',
        category_code: 'VARCHAR', brand: 'VARCHAR', price: 'VARCHAR', user_id: 'VARCHAR', user_session: 'VARCHAR'})
    )
    SELECT time AS event_time, lower(trim(event_type)) AS event_type, ${text("product_id")} AS product_id,
      ${text("category_id")} AS category_id, ${text("category_code")} AS category_code, ${text("brand")} AS brand,
      amount AS price, trim(user_id) AS user_id, ${text("user_session")} AS user_session,
      '${WEEK.start}' AS batch_week_start, '${WEEK.end}' AS batch_week_end, now() AS ingested_at
    FROM parsed
    WHERE time >= TIMESTAMPTZ '${WEEK.start} 00:00:00+00' AND time < TIMESTAMPTZ '${WEEK.end} 00:00:00+00' + INTERVAL 1 DAY
      AND ${text("user_id")} IS NOT NULL AND ${text("event_type")} IS NOT NULL AND coalesce(amount, 0) >= 0
  ) TO '${out}' (FORMAT parquet, COMPRESSION snappy)`
}

const runDuckDb = async (raw: string, out: string): Promise<DuckRun> => {
  const instance = await DuckDBInstance.create(":memory:")
  const connection = await instance.connect()
  try {
    const started = performance.now()
    const result = await connection.run(duckSql(raw, out))
    return { ms: performance.now() - started, rows: Number(result.rowsChanged), bytes: statSync(out).size }
  } finally {
    connection.closeSync()
    instance.closeSync()
    rmSync(out, { force: true })
  }
}

const rate = (rows: number, ms: number) => (rows / ms) * 1000

/**
 * The stage's wall time on 2 idle cores, from its threads' CPU seconds: no shorter than its
 * busiest worker, nor than all its CPU spread over both cores. (Wall clock on a shared machine
 * measures the neighbours too; CPU seconds much less so.)
 */
const idleWall = (cpu: ThreadCpu) => {
  const total = cpu.main + cpu.helpers + cpu.workers.reduce((sum, w) => sum + w, 0)
  return Math.max(...cpu.workers, cpu.main, total / 2)
}

const row = (label: string, records: number, ours: StageRun, duck: DuckRun) =>
  [
    label.padEnd(22),
    number(rate(ours.fetched, ours.ms)).padStart(11),
    number(rate(records, duck.ms)).padStart(13),
    (rate(ours.fetched, ours.ms) / rate(records, duck.ms)).toFixed(2).padStart(11),
    `${number(ours.peakRssMb)} MB`.padStart(12),
    `${number(ours.valid)} / ${number(duck.rows)}`.padStart(21),
    `${(ours.bytes / 1e6).toFixed(1)} / ${(duck.bytes / 1e6).toFixed(1)} MB`.padStart(17),
  ].join(" | ")

const main = async () => {
  console.log(`building dist/ … (${load()})`)
  execFileSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
    cwd: ROOT,
    stdio: "inherit",
  })
  const work = mkdtempSync(join(tmpdir(), "retl-bench-transform-"))
  const lines: Array<string> = []
  const results: Record<number, { readonly two: StageRun; readonly duck: DuckRun }> = {}
  let one: StageRun | undefined
  try {
    const script = join(work, "stage.mjs")
    writeFileSync(script, CHILD)
    for (const records of SIZES) {
      const partition = join(work, "data", `week_start=${WEEK.start}`, `week_end=${WEEK.end}`)
      mkdirSync(partition, { recursive: true })
      const raw = join(partition, "raw.ndjson")
      console.log(`generating ${number(records)} records …`)
      await writeWeek(raw, { seed: 42, eventsPerWeek: records, malformedPct: MALFORMED_PCT }, WEEK)
      console.log(
        `${number(records)} records (${number(statSync(raw).size / 1e6)} MB): the stage, 2 workers … (${load()})`,
      )
      const two = await runStage(script, work, 2)
      if (records === SIZES[0]) {
        console.log(`${number(records)} records: the stage, 1 worker … (${load()})`)
        one = await runStage(script, work, 1)
      }
      console.log(`${number(records)} records: DuckDB … (${load()})`)
      const duck = await runDuckDb(raw, join(work, "duckdb.parquet"))
      results[records] = { two, duck }
      rmSync(join(work, "data"), { recursive: true, force: true })
      rmSync(join(work, "rejects"), { recursive: true, force: true })
    }
    lines.push(
      "run                    | ours rows/s | DuckDB rows/s | ours/DuckDB | our peak RSS | valid rows: ours / DuckDB | Parquet: ours / DuckDB",
    )
    for (const records of SIZES) {
      const result = results[records]
      if (result !== undefined) lines.push(row(`${number(records)}, 2 workers`, records, result.two, result.duck))
      if (records === SIZES[0] && one !== undefined && result !== undefined)
        lines.push(row(`${number(records)}, 1 worker`, records, one, result.duck))
    }
    lines.push("")
    lines.push("run                    | CPU s: main thread | workers     | GC, JIT, I/O helpers | main thread busy")
    const cpuRow = (label: string, run: StageRun) =>
      [
        label.padEnd(22),
        run.cpu.main.toFixed(1).padStart(18),
        run.cpu.workers
          .map((w) => w.toFixed(1))
          .join(" + ")
          .padStart(11),
        run.cpu.helpers.toFixed(1).padStart(20),
        `${((run.cpu.main / (run.ms / 1000)) * 100).toFixed(0)}% of the stage's time`.padStart(16),
      ].join(" | ")
    for (const records of SIZES) {
      const result = results[records]
      if (result !== undefined) lines.push(cpuRow(`${number(records)}, 2 workers`, result.two))
      if (records === SIZES[0] && one !== undefined) lines.push(cpuRow(`${number(records)}, 1 worker`, one))
    }
    const small = results[SIZES[0] as number]
    const large = results[SIZES[1] as number]
    if (small !== undefined && large !== undefined) {
      lines.push(
        `peak RSS ${number(4 * FIRST)} / ${number(FIRST)}: ${(large.two.peakRssMb / small.two.peakRssMb).toFixed(2)}x`,
      )
    }
    if (small !== undefined && one !== undefined) {
      lines.push(
        `2 workers / 1 worker at ${number(FIRST)}: ${(one.ms / small.two.ms).toFixed(2)}x the rows/s (wall clock)`,
      )
      lines.push(
        `2 workers / 1 worker at ${number(FIRST)} on 2 idle cores, modelled from the CPU seconds above: ` +
          `${(idleWall(one.cpu) / idleWall(small.two.cpu)).toFixed(2)}x (read this one on a loaded machine)`,
      )
    }
    lines.push(`${load()} at the end`)
    lines.push(
      "goal: ours/DuckDB >= 0.35 at 1,000,000 (aim 0.5); peak RSS < 400 MB; 4,000,000 within 1.25x of 1,000,000; 2 workers >= 1.7x 1",
    )
    console.log(`\n${lines.join("\n")}`)
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

await main()
