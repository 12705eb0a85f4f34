import { createHash } from "node:crypto"
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { Effect, Either } from "effect"
import { encodePendingLine, newPendingEntry } from "../../../src/domain/PendingUpdate.js"
import { parseWeek } from "../../../src/domain/Week.js"
import { ecomApiDefaults, serveEcomApi } from "../../../src/emulators/events-api/EcomApiServer.js"
import { parseUpload } from "../../../src/emulators/salesforce/SalesforceCsv.js"
import { type SalesforceEmulator, salesforceEmulator } from "../../../src/emulators/salesforce/SalesforceEmulator.js"
import { emulatorSettings } from "../../../src/program/cli/EmulatorSettings.js"
import { runCli } from "../../support/cli.js"
import { tempDir } from "../../support/TempDir.js"
import { assert, describe, it } from "../../support/vitest.js"

const OBJECT = "Customer_Weekly_Metric__c"
const EXTERNAL_ID = "External_Signal_Id__c"
const WEEK = ["--week-start", "2019-12-01", "--week-end", "2019-12-07"]
const PARTITION = "week_start=2019-12-01/week_end=2019-12-07"
const API_KEY = "dry-run-api-key"
const NEXT = Either.getOrThrow(parseWeek("2019-12-08", "2019-12-14"))

type Fields = Readonly<Record<string, string | null>>

/** Every file under `dir`, relative to it. */
const filesUnder = (dir: string, prefix = ""): Array<string> =>
  existsSync(dir)
    ? readdirSync(dir).flatMap((name) =>
        statSync(`${dir}/${name}`).isDirectory()
          ? filesUnder(`${dir}/${name}`, `${prefix}${name}/`)
          : [`${prefix}${name}`],
      )
    : []

/**
 * The records the preview CSVs would make, read with the emulator's own strict CSV parser: a value
 * Salesforce stores as null (`#N/A`, or an empty value on a new record) is null here too.
 */
const previewRecords = (dir: string): Map<string, Fields> => {
  const records = new Map<string, Fields>()
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".csv"))) {
    const parsed = parseUpload(readFileSync(`${dir}/${name}`, "utf8"))
    if ("error" in parsed) assert.fail(`${name}: ${parsed.error}`)
    else {
      for (const row of parsed.csv.rows) {
        const fields = Object.fromEntries(
          parsed.csv.header.map((field, i) => [field, row[i] === "#N/A" || row[i] === "" ? null : (row[i] ?? null)]),
        )
        assert.isFalse(records.has(String(fields[EXTERNAL_ID])), "a row previewed twice")
        records.set(String(fields[EXTERNAL_ID]), fields)
      }
    }
  }
  return records
}

const orgRecords = (sf: SalesforceEmulator): Map<string, Fields> =>
  new Map([...sf.store.records(OBJECT).entries()].map(([id, r]) => [id, { ...r.fields }]))

const sorted = (records: ReadonlyMap<string, Fields>) =>
  [...records.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex")

/** The stage output the run printed as its last stdout line. */
const syncOutput = (stdout: string): Record<string, unknown> => {
  const outcome = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as {
    outputs: Record<string, Record<string, unknown>>
  }
  return outcome.outputs["salesforce-sync"] ?? {}
}

const deployment = Effect.gen(function* () {
  const root = tempDir("retl-dry-run-")
  const sf = yield* salesforceEmulator({})
  const api = (malformedPct: number) =>
    serveEcomApi({
      ...ecomApiDefaults,
      data: { seed: 19, eventsPerWeek: 1_500, malformedPct },
      withTotal: true,
      apiKey: API_KEY,
    })
  const first = yield* api(0)
  const env: Record<string, string> = {
    ...emulatorSettings(
      { eventsApi: first.url, apiKey: API_KEY, adls: "http://127.0.0.1:9", salesforce: sf.url },
      `${root}/deploy`,
    ),
    TRANSFORM_WORKERS: "0",
    REJECT_THRESHOLD_PCT: "20",
    SF_POLL_INTERVAL_SECONDS: "0.05",
  }
  const run = (args: ReadonlyArray<string>, overrides: Record<string, string> = {}) =>
    Effect.tap(runCli(["run", ...WEEK, "--local-only", ...args], { env: { ...env, ...overrides } }), (result) =>
      assert.strictEqual(result.code, 0, result.stderr.slice(-3000)),
    )
  const sqlitePath = env.SQLITE_PATH ?? ""
  const previewDir = `${root}/deploy/data/raw_events/${PARTITION}/salesforce_dry_run`
  const queue = `${root}/deploy/state/pending_db_updates.jsonl`
  const summary = () => JSON.parse(readFileSync(`${previewDir}/salesforce_dry_run.json`, "utf8"))
  return { root, sf, api, sqlitePath, run, previewDir, queue, summary }
})

describe("run --dry-run previews the week it validates (CLI processes, emulators on 127.0.0.1)", () => {
  it.scopedLive(
    "fresh week: the preview is what the real run sends; re-run: nothing; changed data: exactly the changed rows",
    () =>
      Effect.gen(function* () {
        const d = yield* deployment
        // A week not loaded yet, no warehouse at all: every customer of the week is new.
        const dry = yield* d.run(["--dry-run"])
        assert.isFalse(existsSync(d.sqlitePath), "no warehouse file created")
        assert.deepStrictEqual(filesUnder(`${d.root}/deploy`), [
          `data/raw_events/${PARTITION}/salesforce_dry_run/salesforce_dry_run.json`,
          `data/raw_events/${PARTITION}/salesforce_dry_run/salesforce_upsert_0001.csv`,
        ])
        assert.deepStrictEqual(d.sf.requests, [], "Salesforce was not called")
        const fresh = previewRecords(d.previewDir)
        assert.isAbove(fresh.size, 100)
        assert.deepInclude(d.summary(), {
          new_count: fresh.size,
          changed_count: 0,
          unchanged_count: 0,
          rows_to_send: fresh.size,
        })
        assert.deepInclude(syncOutput(dry.stdout), { newRows: fresh.size, changedRows: 0, unchanged: 0, sent: 0 })

        const real = yield* d.run([])
        assert.deepInclude(syncOutput(real.stdout), { sent: fresh.size, failed: 0 })
        const synced = orgRecords(d.sf)
        assert.deepStrictEqual(sorted(synced), sorted(fresh), "the org holds exactly the previewed rows")

        // The week again: nothing to send, and nothing written (a queued warehouse write stays queued).
        const requests = d.sf.requests.length
        const warehouse = sha256(d.sqlitePath)
        const queued = `${encodePendingLine(newPendingEntry({ _tag: "AdvanceCheckpoint", completed: NEXT }, new Date(0)))}\n`
        writeFileSync(d.queue, queued)
        const again = yield* d.run(["--dry-run", "--force"])
        assert.deepInclude(d.summary(), {
          new_count: 0,
          changed_count: 0,
          unchanged_count: synced.size,
          rows_to_send: 0,
        })
        assert.deepInclude(syncOutput(again.stdout), { newRows: 0, changedRows: 0, unchanged: synced.size })
        assert.deepStrictEqual(readdirSync(d.previewDir), ["salesforce_dry_run.json"], "the earlier preview is gone")
        assert.strictEqual(d.sf.requests.length, requests, "Salesforce was not called")
        assert.strictEqual(sha256(d.sqlitePath), warehouse, "the warehouse file is untouched")
        assert.strictEqual(readFileSync(d.queue, "utf8"), queued, "the queue was not replayed")
        rmSync(d.queue)

        // The same week re-published with some records broken: their customers' counts change.
        const changedApi = yield* d.api(3)
        const moved = { API_BASE_URL: changedApi.url }
        yield* d.run(["--dry-run", "--force"], moved)
        const changed = previewRecords(d.previewDir)
        const counts = d.summary()
        assert.isAbove(counts.changed_count, 0)
        assert.isAbove(counts.unchanged_count, 0)
        assert.strictEqual(counts.new_count + counts.changed_count, changed.size)

        yield* d.run(["--force"], moved)
        const after = orgRecords(d.sf)
        const touched = new Map(
          [...after].filter(([id, fields]) => JSON.stringify(synced.get(id)) !== JSON.stringify(fields)),
        )
        assert.deepStrictEqual(sorted(changed), sorted(touched), "the preview is exactly the records the run changed")
      }),
    120_000,
  )
})
