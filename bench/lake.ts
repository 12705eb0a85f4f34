/**
 * Lake put/get: time against a local hash + copy of the same file (the least a verified put
 * does), and the memory a put or get adds to this process. The ADLS emulator runs in a child
 * process so its own buffers do not count. `npx tsx bench/lake.ts` (BENCH_MB=128 by default).
 */
import { type ChildProcess, fork } from "node:child_process"
import { randomBytes } from "node:crypto"
import { copyFileSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { startAdlsEmulator } from "../src/emulators/adls/AdlsEmulator.js"
import { DEV_ACCOUNT, DEV_ACCOUNT_KEY } from "../src/emulators/adls/AdlsSharedKey.js"
import * as AppConfigProvider from "../src/layers/config/AppConfigProvider.js"
import * as LakeAdls from "../src/layers/lake/LakeAdls.js"
import * as LakeLocal from "../src/layers/lake/LakeLocal.js"
import { fileFacts } from "../src/platform/Files.js"
import { Lake } from "../src/services/Lake.js"

if (process.argv[2] === "serve") {
  const emulator = await startAdlsEmulator({ dir: process.argv[3] ?? "" })
  process.send?.(emulator.url)
} else {
  const MiB = 1024 * 1024
  const sizeMiB = Number(process.env.BENCH_MB ?? 128)
  const dir = mkdtempSync(join(tmpdir(), "retl-bench-lake-"))
  const source = join(dir, "events.parquet")
  const fd = openSync(source, "w")
  const block = randomBytes(MiB)
  for (let i = 0; i < sizeMiB; i++) writeSync(fd, block)

  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ["serve", join(dir, "emulator")])
  const url = await new Promise<string>((resolve) => child.once("message", (m) => resolve(String(m))))

  /** Wall time and the peak RSS above the starting point, sampled every 5 ms. */
  const measure = async (run: () => Promise<unknown>) => {
    globalThis.gc?.()
    const base = process.memoryUsage().rss
    let peak = base
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss)
    }, 5)
    const started = performance.now()
    await run()
    const ms = performance.now() - started
    clearInterval(timer)
    return { ms, extraMiB: Math.max(0, peak - base) / MiB }
  }

  const fsLayer = NodeFileSystem.layer
  const adls = LakeAdls.layer.pipe(
    Layer.provide(
      AppConfigProvider.layerFromMap({
        STORAGE_ACCOUNT: DEV_ACCOUNT,
        CONTAINER: "lake",
        ADLS_ENDPOINT: url,
        AZURE_STORAGE_ACCOUNT_KEY: DEV_ACCOUNT_KEY,
      }),
    ),
    Layer.provide(fsLayer),
  )
  const local = LakeLocal.layerAt(join(dir, "lake")).pipe(Layer.provide(fsLayer))
  const withLake =
    (layer: Layer.Layer<Lake, unknown>, f: (lake: Lake["Type"]) => Effect.Effect<unknown, unknown>) => () =>
      Effect.runPromise(Effect.flatMap(Lake, f).pipe(Effect.provide(layer), Effect.orDie))

  const path = "reverse_etl/raw_events/week_start=2019-12-01/week_end=2019-12-07/events.parquet"
  const reference = await measure(async () => {
    await Effect.runPromise(fileFacts(source).pipe(Effect.provide(fsLayer)))
    copyFileSync(source, join(dir, "copy.parquet"))
  })
  const rows = [
    ["local lake put", await measure(withLake(local, (lake) => lake.put(source, path)))],
    ["ADLS put (emulator)", await measure(withLake(adls, (lake) => lake.put(source, path)))],
    ["ADLS put again (skipped)", await measure(withLake(adls, (lake) => lake.put(source, path)))],
    ["ADLS get", await measure(withLake(adls, (lake) => lake.get(path, join(dir, "back.parquet"))))],
  ] as const

  console.log(`lake benchmark, ${sizeMiB} MiB file; reference = SHA-256 + copy: ${reference.ms.toFixed(0)} ms`)
  console.log("(absolute times are noisy on a shared machine; compare the ratios)")
  for (const [name, m] of rows) {
    console.log(
      `${name.padEnd(26)} ${m.ms.toFixed(0).padStart(7)} ms  ${(m.ms / reference.ms).toFixed(2).padStart(6)}x reference  ` +
        `+${m.extraMiB.toFixed(0).padStart(4)} MiB RSS (${((m.extraMiB / sizeMiB) * 100).toFixed(0)}% of the file)`,
    )
  }
  child.kill()
  rmSync(dir, { recursive: true, force: true })
}
