// Run as a child process with HTTP(S)_PROXY pointing nowhere: jsforce reads them when it loads.
import { Effect } from "effect"
import { salesforceEmulator } from "../../src/emulators/salesforce/SalesforceEmulator.js"
import { emulatorSettings, metricsRows, runSync } from "./salesforce.js"
import { scopedTempDir } from "./TempDir.js"

const program = Effect.gen(function* () {
  const emulator = yield* salesforceEmulator()
  const config = emulatorSettings(emulator.url.replace("127.0.0.1", "localhost"))
  const dir = yield* scopedTempDir("retl-proxy-")
  const result = yield* runSync(
    { database: `${dir}/w.sqlite`, rows: () => metricsRows(3), config },
    { outputDir: `${dir}/out` },
  )
  process.stdout.write(`${JSON.stringify({ created: result.created, requests: emulator.requests.length })}\n`)
}).pipe(Effect.scoped)

Effect.runPromise(program).catch((error) => {
  process.stderr.write(`${String(error)}\n`)
  process.exit(1)
})
