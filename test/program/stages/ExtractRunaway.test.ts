import { readdirSync } from "node:fs"
import { join } from "node:path"
import { FileSystem } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import { Effect } from "effect"
import type { EcomApiOptions } from "../../../src/emulators/events-api/EcomApiServer.js"
import { jsonLines, runCli } from "../../support/cli.js"
import { API_KEY, ecomApi } from "../../support/ecomApi.js"
import { assert, describe, it } from "../../support/vitest.js"

const WEEK = ["--week-start", "2019-12-01", "--week-end", "2019-12-07"]
const data = { seed: 5, eventsPerWeek: 5_000, malformedPct: 0 }

/** Every file under `dir`, recursively (directories themselves are not counted). */
const filesUnder = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))

/**
 * `reverse-etl run --stage extract` as Airflow runs it, against an emulator that pages badly, in
 * a temporary directory removed afterwards: exit code, the error it logged, the requests the API
 * saw and the files left behind.
 */
const extractAgainst = (options: Partial<EcomApiOptions>, settings: Record<string, string> = {}) =>
  Effect.gen(function* () {
    const api = yield* ecomApi({ data, ...options })
    const dir = yield* Effect.flatMap(FileSystem.FileSystem, (fs) =>
      fs.makeTempDirectoryScoped({ prefix: "retl-runaway-" }),
    ).pipe(Effect.provide(NodeFileSystem.layer), Effect.orDie)
    const result = yield* runCli(["run", "--stage", "extract", "--local-only", ...WEEK], {
      cwd: dir,
      env: { API_BASE_URL: api.url, API_KEY, API_RATE_LIMIT_DELAY: "0", API_PAGE_SIZE: "1000", ...settings },
    })
    const failure = jsonLines(result.stderr).find((line) => line.error_type !== undefined)
    return { result, failure, requests: api.requests().length, files: filesUnder(join(dir, "data")) }
  })

describe("extract never runs away", () => {
  it.scopedLive("an API that ignores `page` stops at the first repeated page, naming both pages", () =>
    Effect.gen(function* () {
      const run = yield* extractAgainst({ paging: "ignore-page" }, { API_CONCURRENCY: "4" })
      assert.strictEqual(run.result.code, 1, run.result.stderr)
      assert.strictEqual(run.failure?.error_type, "ApiResponseError")
      assert.match(
        String(run.failure?.error_message),
        /^page 2 holds exactly the records of page 1: the API looks to ignore the page parameter/,
      )
      // Page 1, then at most the pages in flight when page 2 was seen.
      assert.isAtMost(run.requests, 1 + 4)
      assert.deepStrictEqual(run.files, [])
    }),
  )

  it.scopedLive("an API that never ends a week stops at API_MAX_PAGES, naming the setting", () =>
    Effect.gen(function* () {
      const run = yield* extractAgainst({ paging: "endless" }, { API_MAX_PAGES: "40", API_CONCURRENCY: "2" })
      assert.strictEqual(run.result.code, 1, run.result.stderr)
      assert.strictEqual(run.failure?.error_type, "ApiResponseError")
      assert.match(
        String(run.failure?.error_message),
        /^the week needs more than API_MAX_PAGES=40 pages \(page 40 was full and the API gives no total\)/,
      )
      assert.strictEqual(run.requests, 40)
      assert.deepStrictEqual(run.files, [])
    }),
  )

  it.scopedLive("a total that needs more pages than API_MAX_PAGES fails after page 1, before fetching the rest", () =>
    Effect.gen(function* () {
      const run = yield* extractAgainst({ withTotal: true }, { API_MAX_PAGES: "4" })
      assert.strictEqual(run.result.code, 1, run.result.stderr)
      assert.match(
        String(run.failure?.error_message),
        /^the week needs more than API_MAX_PAGES=4 pages \(the API announces 5000 records, 1000 a page\)/,
      )
      assert.strictEqual(run.requests, 1)
      assert.deepStrictEqual(run.files, [])
    }),
  )

  it.scopedLive("a week of exactly API_MAX_PAGES pages goes through, with or without a total", () =>
    Effect.gen(function* () {
      for (const withTotal of [false, true]) {
        const run = yield* extractAgainst(
          { withTotal, data: { ...data, eventsPerWeek: 4_500 } },
          { API_MAX_PAGES: "5" },
        )
        assert.strictEqual(run.result.code, 0, run.result.stderr)
        assert.strictEqual(run.files.filter((f) => f.endsWith("raw.ndjson")).length, 1)
      }
    }),
  )
})
