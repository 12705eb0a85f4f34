import { createHash } from "node:crypto"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Either } from "effect"
import { parseWeek } from "../../../src/domain/Week.js"
import { type EcomApiOptions, ENVELOPES } from "../../../src/emulators/events-api/EcomApiServer.js"
import { pageRecords } from "../../../src/emulators/events-api/EcomDataGenerator.js"
import { addFaultSpec, noFaults } from "../../../src/emulators/events-api/EcomFaults.js"
import type { EventsApiHttpOptions } from "../../../src/layers/events-api/EventsApiHttp.js"
import { extract } from "../../../src/program/stages/Extract.js"
import { ecomApi, extractPaths, liveEventsApi } from "../../support/ecomApi.js"
import { assert, describe, it } from "../../support/vitest.js"

const week = Either.getOrThrow(parseWeek("2019-12-01", "2019-12-07"))
const window = { start: week.start, end: week.end }
/** Real-time tests keep the retry waits short; their timing is tested on the TestClock elsewhere. */
const fast: EventsApiHttpOptions = { retry: { base: "1 millis", cap: "5 millis" } }

/** Extracts the week from a fresh emulator into a fresh directory: the result, the file and what the emulator saw. */
const extractFrom = (options: Partial<EcomApiOptions>, settings: Record<string, string> = {}) =>
  Effect.gen(function* () {
    const api = yield* ecomApi(options)
    const paths = extractPaths(week)
    const result = yield* extract(paths).pipe(
      Effect.provide(liveEventsApi(api, settings, fast)),
      Effect.provide(NodeFileSystem.layer),
    )
    return { result, file: readFileSync(paths.raw, "utf8"), pages: api.requests().map((r) => r.page), api }
  })

const expected = (data: { seed: number; eventsPerWeek: number; malformedPct: number }) =>
  pageRecords(data, window, 1, data.eventsPerWeek)
    .map((record) => `${record}\n`)
    .join("")

describe("extract against the emulator", () => {
  it.scopedLive("writes every record of every envelope, with or without a total, byte for byte", () =>
    Effect.gen(function* () {
      const data = { seed: 21, eventsPerWeek: 2_500, malformedPct: 5 }
      for (const envelope of ENVELOPES) {
        for (const withTotal of [false, true]) {
          const { result, file } = yield* extractFrom({ data, envelope, withTotal }, { API_PAGE_SIZE: "1000" })
          assert.strictEqual(file, expected(data), `${envelope} ${withTotal}`)
          assert.strictEqual(result.rowsFetched, 2_500)
          assert.strictEqual(result.pages, 3)
          assert.strictEqual(result.raw.sizeBytes, Buffer.byteLength(file))
          assert.strictEqual(result.raw.sha256, createHash("sha256").update(file).digest("hex"))
        }
      }
    }),
  )

  it.scopedLive("keeps a 19-digit category_id exactly as the API sent it", () =>
    Effect.gen(function* () {
      const data = { seed: 2, eventsPerWeek: 50, malformedPct: 0 }
      const { file } = yield* extractFrom({ data })
      const sent = pageRecords(data, window, 1, 1)[0] as string
      const id = (/"category_id":(\d{19}),/.exec(sent) as RegExpExecArray)[1] as string
      assert.strictEqual(file.split("\n")[0], sent)
      assert.include(file.split("\n")[0], `"category_id":${id},`)
      // What a JSON round trip would have written instead:
      assert.notStrictEqual(String(JSON.parse(sent).category_id), id)
    }),
  )

  it.scopedLive("stops at a partial page; with one page in flight, asks for nothing after it", () =>
    Effect.gen(function* () {
      const data = { seed: 4, eventsPerWeek: 2_300, malformedPct: 0 }
      const { result, pages } = yield* extractFrom({ data }, { API_CONCURRENCY: "1" })
      assert.deepStrictEqual(pages, [1, 2, 3])
      assert.deepStrictEqual([result.rowsFetched, result.pages], [2_300, 3])
    }),
  )

  it.scopedLive("stops at an empty page when the week is a whole number of pages and no total is given", () =>
    Effect.gen(function* () {
      const data = { seed: 4, eventsPerWeek: 3_000, malformedPct: 0 }
      const { result, file, pages } = yield* extractFrom({ data }, { API_CONCURRENCY: "1" })
      assert.deepStrictEqual(pages, [1, 2, 3, 4])
      assert.deepStrictEqual([result.rowsFetched, result.pages], [3_000, 4])
      assert.strictEqual(file, expected(data))
    }),
  )

  it.scopedLive("stops when the total is reached, never asking past it even with pages to spare in flight", () =>
    Effect.gen(function* () {
      const data = { seed: 4, eventsPerWeek: 3_000, malformedPct: 0 }
      const { result, pages } = yield* extractFrom({ data, withTotal: true }, { API_CONCURRENCY: "8" })
      assert.deepStrictEqual([...pages].sort(), [1, 2, 3])
      assert.deepStrictEqual([result.rowsFetched, result.pages], [3_000, 3])
    }),
  )

  it.scopedLive("with a total, reads on past short pages when the API serves fewer records a page than asked", () =>
    Effect.gen(function* () {
      const data = { seed: 4, eventsPerWeek: 950, malformedPct: 0 }
      const { result, file, pages } = yield* extractFrom({ data, withTotal: true, maxPageSize: 100 })
      assert.strictEqual(file, expected(data))
      assert.deepStrictEqual([result.rowsFetched, result.pages], [950, 10])
      assert.deepStrictEqual(
        [...pages].sort((a, b) => (a as number) - (b as number)),
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      )
    }),
  )

  it.scopedLive("keeps page order in the file with four pages in flight, discarding those past the end", () =>
    Effect.gen(function* () {
      const data = { seed: 8, eventsPerWeek: 9_550, malformedPct: 3 }
      const { result, file, pages } = yield* extractFrom({ data }, { API_CONCURRENCY: "4", API_PAGE_SIZE: "500" })
      assert.strictEqual(file, expected(data))
      assert.deepStrictEqual([result.rowsFetched, result.pages], [9_550, 20])
      assert.includeMembers(
        pages,
        Array.from({ length: 20 }, (_, i) => i + 1),
      )
      // Past the end: what was in flight, plus what finished while the writer caught up (both bounded).
      assert.isAtMost(Math.max(...(pages as Array<number>)), 20 + 2 * 4)
    }),
  )

  it.scopedLive("writes the same file through 20% injected faults as without them", () =>
    Effect.gen(function* () {
      const data = { seed: 13, eventsPerWeek: 15_000, malformedPct: 2 }
      const settings = { API_PAGE_SIZE: "500", API_MAX_RETRIES: "10", API_TIMEOUT_SECONDS: "1" }
      const clean = yield* extractFrom({ data, withTotal: true }, settings)
      const faults = Either.getOrThrow(
        Either.flatMap(addFaultSpec({ ...noFaults, retryAfterSeconds: 0, slowMs: 5_000 }, "transient:18"), (f) =>
          addFaultSpec(f, "slow:2"),
        ),
      )
      const flaky = yield* extractFrom({ data, withTotal: true, faults }, settings)
      assert.strictEqual(flaky.file, clean.file)
      assert.strictEqual(flaky.result.raw.sha256, clean.result.raw.sha256)
      assert.strictEqual(flaky.result.rowsFetched, 15_000)
      const injected = flaky.api.requests().filter((r) => r.fault !== "ok").length
      assert.isAbove(injected, 3, "faults were injected")
      // Every page was answered in full at least once. How many times is up to the machine: an
      // answer that took longer than the 1 s client timeout is asked for again, as it should be.
      const answered = new Set(flaky.api.requests().flatMap((r) => (r.fault === "ok" ? [r.page] : [])))
      assert.strictEqual(answered.size, 30, "each page answered in full")
    }),
  )

  it.scopedLive("fails with the page's error when a page fails for good, leaving no file behind", () =>
    Effect.gen(function* () {
      const data = { seed: 1, eventsPerWeek: 3_000, malformedPct: 0 }
      const api = yield* ecomApi({ data, faults: { ...noFaults, sequence: ["ok", "500", "500", "500"] } })
      const paths = extractPaths(week)
      const error = yield* extract(paths).pipe(
        Effect.provide(liveEventsApi(api, { API_CONCURRENCY: "1" }, fast)),
        Effect.provide(NodeFileSystem.layer),
        Effect.flip,
      )
      assert.strictEqual(error._tag, "ApiResponseError")
      assert.deepInclude(error.details, { status: 500, page: 2 })
      assert.isFalse(existsSync(paths.raw))
      assert.deepStrictEqual(readdirSync(paths.localDir), [])
    }),
  )

  it.scopedLive("a refused key fails on page 1 before any other page is asked for", () =>
    Effect.gen(function* () {
      const api = yield* ecomApi({ data: { seed: 1, eventsPerWeek: 9_000, malformedPct: 0 } })
      const error = yield* extract(extractPaths(week)).pipe(
        Effect.provide(liveEventsApi(api, { API_KEY: "wrong", API_CONCURRENCY: "8" }, fast)),
        Effect.provide(NodeFileSystem.layer),
        Effect.flip,
      )
      assert.strictEqual(error._tag, "AuthenticationError")
      assert.strictEqual(api.requests().length, 1)
    }),
  )
})
