/**
 * The transform stage against DuckDB on the same raw.ndjson, in the same run.
 *
 *   npx tsx bench/transform.ts            (or npm run bench:transform)
 *
 * Builds dist/ first: the stage runs as shipped (compiled, worker threads on compiled code), each
 * run in a child process of its own so its peak RSS is its own. DuckDB runs in this process:
 * `COPY (SELECT … FROM read_json(…)) TO … (FORMAT parquet)` with the stage's casts (UTC
 * timestamps, trimmed text, empty → null, lower-cased event_type, ids as text, price as double).
 * Settings (TRANSFORM_WORKERS, PARQUET_ROW_GROUP_SIZE) come from the environment, defaults else.
 * Timings are wall clock on a shared machine: read the ratio, not the absolute numbers.
 */
import { execFileSync, spawn } from "node:child_process"
import { once } from "node:events"
import {
  copyFileSync,
  createReadStream,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { DuckDBInstance } from "@duckdb/node-api"
import { brokenLines, eventLines, writeLines } from "../test/support/RawEvents.js"

const ROOT = fileURLToPath(new URL("..", import.meta.url))
const DIST = join(ROOT, "dist")
const WEEK = { start: "2019-11-01", end: "2019-11-07" }
const WEEK_START_MS = Date.UTC(2019, 10, 1)
const SIZES = [1_000_000, 4_000_000]
/** One malformed record in this many, as the emulator serves them. */
const BROKEN_EVERY = 1000

const number = (n: number) => Math.round(n).toLocaleString("en-US")

const dist = (path: string) => JSON.stringify(pathToFileURL(join(DIST, path)).href)

/**
 * The stage, compiled, in a child process: it prints its rows, its time and its peak RSS. A file
 * of its own (not \`node -e\`, whose flags worker threads would inherit), importing by URL.
 */
const CHILD = `
import * as NodeFileSystem from ${JSON.stringify(import.meta.resolve("@effect/platform-node/NodeFileSystem"))}
import { Effect, Either, Layer, Logger, LogLevel } from ${JSON.stringify(import.meta.resolve("effect"))}
import { parseWeek } from ${dist("domain/Week.js")}
import { weekPaths } from ${dist("domain/WeekPaths.js")}
import { AppConfig } from ${dist("services/AppConfig.js")}
import { transform } from ${dist("program/stages/Transform.js")}
import * as AppConfigProvider from "../src/layers/config/AppConfigProvider.js"
const [dir, start, end] = process.argv.slice(2)
const week = Either.getOrThrow(parseWeek(start, end))
const paths = weekPaths({ localDataDir: dir + "/data", localRejectsDir: dir + "/rejects", stateDir: dir, lakeBasePath: "l", lakeRejectsBasePath: "r" }, week)
const settings = Object.fromEntries(["TRANSFORM_WORKERS", "PARQUET_ROW_GROUP_SIZE"].flatMap((k) => process.env[k] ? [[k, process.env[k]]] : []))
const started = performance.now()
const result = await Effect.runPromise(transform(paths, { dryRun: false, ingestedAtMicros: Date.now() * 1000 }).pipe(
  Effect.provide(Layer.mergeAll(NodeFileSystem.layer, AppConfigProvider.layerFromMap(settings))),
  Logger.withMinimumLogLevel(LogLevel.Warning)))
const ms = performance.now() - started
console.log(JSON.stringify({ ms, fetched: result.rowsFetched, valid: result.rowsValid, rejected: result.rowsRejected, bytes: result.events.sizeBytes, peakRssMb: process.resourceUsage().maxRSS / 1024 }))
`

interface StageRun {
  readonly ms: number
  readonly fetched: number
  readonly valid: number
  readonly rejected: number
  readonly bytes: number
  readonly peakRssMb: number
}

const runStage = async (script: string, dir: string): Promise<StageRun> => {
  const child = spawn(process.execPath, [script, dir, WEEK.start, WEEK.end], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  })
  let out = ""
  child.stdout.on("data", (chunk) => {
    out += chunk
  })
  const [code] = await once(child, "close")
  if (code !== 0) throw new Error(`the stage's child process exited with ${code}`)
  return JSON.parse(out.trim().split("\n").pop() as string) as StageRun
}

const runDuckDb = async (raw: string, out: string): Promise<{ ms: number; rows: number }> => {
  const instance = await DuckDBInstance.create(":memory:")
  const connection = await instance.connect()
  const text = (name: string) => `nullif(trim(${name}), '')`
  const sql = `COPY (
    SELECT TRY_CAST(event_time AS TIMESTAMPTZ) AS event_time, lower(trim(event_type)) AS event_type,
      ${text("product_id")} AS product_id, ${text("category_id")} AS category_id,
      ${text("category_code")} AS category_code, ${text("brand")} AS brand, TRY_CAST(price AS DOUBLE) AS price,
      trim(user_id) AS user_id, ${text("user_session")} AS user_session,
      '${WEEK.start}' AS batch_week_start, '${WEEK.end}' AS batch_week_end, now() AS ingested_at
    FROM read_json('${raw}', format = 'newline_delimited', ignore_errors = true, columns = {
      event_time: 'VARCHAR', event_type: 'VARCHAR', product_id: 'VARCHAR', category_id: 'VARCHAR',
      category_code: 'VARCHAR', brand: 'VARCHAR', price: 'VARCHAR', user_id: 'VARCHAR', user_session: 'VARCHAR'})
    WHERE TRY_CAST(event_time AS TIMESTAMPTZ) >= TIMESTAMPTZ '${WEEK.start} 00:00:00+00'
      AND TRY_CAST(event_time AS TIMESTAMPTZ) < TIMESTAMPTZ '${WEEK.end} 00:00:00+00' + INTERVAL 1 DAY
      AND nullif(trim(user_id), '') IS NOT NULL AND nullif(trim(event_type), '') IS NOT NULL
  ) TO '${out}' (FORMAT parquet, COMPRESSION snappy)`
  try {
    const started = performance.now()
    const result = await connection.run(sql)
    return { ms: performance.now() - started, rows: Number(result.rowsChanged) }
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}

/** `times` copies of `from` one after the other: a longer week of the same shape. */
const repeat = async (from: string, to: string, times: number) => {
  const out = createWriteStream(to)
  for (let i = 0; i < times; i++) {
    for await (const chunk of createReadStream(from)) if (!out.write(chunk)) await once(out, "drain")
  }
  out.end()
  await once(out, "finish")
}

const main = async () => {
  console.log("building dist/ …")
  execFileSync(
    process.execPath,
    [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", join(ROOT, "tsconfig.build.json")],
    {
      stdio: "inherit",
    },
  )
  const work = mkdtempSync(join(tmpdir(), "retl-bench-transform-"))
  try {
    const script = join(work, "stage.mjs")
    writeFileSync(script, CHILD)
    const first = SIZES[0] as number
    const seed = join(work, "seed.ndjson")
    console.log(`generating ${number(first)} records …`)
    const valid = eventLines({ startMs: WEEK_START_MS, days: 7, count: first })
    const broken = brokenLines(WEEK_START_MS)
    await writeLines(seed, first, (i) =>
      i % BROKEN_EVERY === BROKEN_EVERY - 1
        ? (broken[((i / BROKEN_EVERY) % broken.length) | 0]?.line as string)
        : valid.next(),
    )
    const rows: Array<{ records: number; ours: StageRun; duck: { ms: number; rows: number } }> = []
    for (const records of SIZES) {
      const dir = join(work, String(records))
      const partition = join(dir, "data", `week_start=${WEEK.start}`, `week_end=${WEEK.end}`)
      mkdirSync(partition, { recursive: true })
      const raw = join(partition, "raw.ndjson")
      if (records === first) copyFileSync(seed, raw)
      else await repeat(seed, raw, records / first)
      console.log(`${number(records)} records (${number(statSync(raw).size / 1e6)} MB): the stage …`)
      const ours = await runStage(script, dir)
      console.log(`${number(records)} records: DuckDB …`)
      const duck = await runDuckDb(raw, join(dir, "duckdb.parquet"))
      rows.push({ records, ours, duck })
      rmSync(dir, { recursive: true, force: true })
    }

    console.log("")
    console.log("records     | ours rows/s | DuckDB rows/s | ours/DuckDB | our peak RSS | rejected | events.parquet")
    for (const { records, ours, duck } of rows) {
      const oursRate = (ours.fetched / ours.ms) * 1000
      const duckRate = (records / duck.ms) * 1000
      console.log(
        [
          number(records).padEnd(11),
          number(oursRate).padStart(11),
          number(duckRate).padStart(13),
          (oursRate / duckRate).toFixed(2).padStart(11),
          `${number(ours.peakRssMb)} MB`.padStart(12),
          number(ours.rejected).padStart(8),
          `${number(ours.bytes / 1e6)} MB`.padStart(14),
        ].join(" | "),
      )
    }
    const [small, large] = rows
    if (small !== undefined && large !== undefined) {
      console.log(
        `peak RSS ${number(large.records)} / ${number(small.records)}: ${(large.ours.peakRssMb / small.ours.peakRssMb).toFixed(2)}x`,
      )
    }
    console.log("goal: ours/DuckDB >= 0.5 at 1,000,000; peak RSS < 400 MB; 4,000,000 within 1.25x of 1,000,000")
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

await main()
