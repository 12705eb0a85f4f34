import { existsSync, readFileSync } from "node:fs"
import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Either, Fiber, HashMap, Layer, Logger, TestClock } from "effect"
import { ApiResponseError } from "../../../src/domain/Errors.js"
import { parseWeek } from "../../../src/domain/Week.js"
import * as AppConfigProvider from "../../../src/layers/config/AppConfigProvider.js"
import * as EventsApiTest from "../../../src/layers/events-api/EventsApiTest.js"
import { type ExtractProgress, extract } from "../../../src/program/stages/Extract.js"
import { ecomApi, eventually, extractPaths, liveEventsApi, sleepingUntil } from "../../support/ecomApi.js"
import { assert, describe, it } from "../../support/vitest.js"

const week = Either.getOrThrow(parseWeek("2019-12-01", "2019-12-07"))

describe("extract with the test layer", () => {
  const record = (n: number) => `{"n":${n}}`
  const full = (from: number) => Array.from({ length: 3 }, (_, i) => record(from + i))
  const withPages = (
    pages: ReadonlyArray<EventsApiTest.TestPage>,
    options: { total?: number; concurrency?: number } = {},
  ) =>
    Layer.mergeAll(
      EventsApiTest.layer(pages, { pageSize: 3, ...(options.total === undefined ? {} : { total: options.total }) }),
      AppConfigProvider.layerFromMap({ API_CONCURRENCY: String(options.concurrency ?? 4) }),
      NodeFileSystem.layer,
    )
  const failure = (page: number) => new ApiResponseError({ message: "boom", details: { status: 400, page } })

  it.effect("ignores a failure on a page past the end, asked for only because pages were in flight", () =>
    Effect.gen(function* () {
      const paths = extractPaths(week)
      const result = yield* extract(paths).pipe(
        Effect.provide(withPages([full(0), [record(3)], failure(3), failure(4)])),
      )
      assert.deepStrictEqual([result.rowsFetched, result.pages], [4, 2])
      assert.strictEqual(readFileSync(paths.raw, "utf8"), '{"n":0}\n{"n":1}\n{"n":2}\n{"n":3}\n')
    }),
  )

  it.effect("fails on a failed page before the end, whatever came after it", () =>
    Effect.gen(function* () {
      const paths = extractPaths(week)
      const error = yield* extract(paths).pipe(
        Effect.provide(withPages([full(0), failure(2), full(6), []])),
        Effect.flip,
      )
      assert.deepInclude(error.details, { page: 2 })
      assert.isFalse(existsSync(paths.raw))
    }),
  )

  it.effect("writes an empty file for an empty week", () =>
    Effect.gen(function* () {
      const paths = extractPaths(week)
      const result = yield* extract(paths).pipe(Effect.provide(withPages([])))
      assert.deepStrictEqual([result.rowsFetched, result.pages, result.raw.sizeBytes], [0, 1, 0])
      assert.strictEqual(readFileSync(paths.raw, "utf8"), "")
    }),
  )

  it.effect("reports progress page by page, in order, and logs the total rows", () =>
    Effect.gen(function* () {
      const progress: Array<ExtractProgress> = []
      const logs: Array<{ message: unknown; annotations: Record<string, unknown> }> = []
      const logger = Logger.make(({ message, annotations }) => {
        logs.push({ message, annotations: Object.fromEntries(HashMap.toEntries(annotations)) })
      })
      yield* extract(extractPaths(week), { onProgress: (p) => progress.push(p) }).pipe(
        Effect.provide(withPages([full(0), full(3), full(6), full(9)], { total: 12 })),
        Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
      )
      assert.deepStrictEqual(
        progress.map((p) => [p.pages, p.rows]),
        [
          [1, 3],
          [2, 6],
          [3, 9],
          [4, 12],
        ],
      )
      const done = logs.find(
        (l) =>
          l.message === "Fetched all events from API" ||
          (Array.isArray(l.message) && l.message[0] === "Fetched all events from API"),
      )
      assert.strictEqual(done?.annotations.total_rows, 12)
      assert.strictEqual(done?.annotations.week_start, "2019-12-01")
    }),
  )
})

describe("extract pacing against the emulator", () => {
  it.scoped("starts one request per API_RATE_LIMIT_DELAY across every page in flight (TestClock)", () =>
    Effect.gen(function* () {
      const data = { seed: 1, eventsPerWeek: 600, malformedPct: 0 }
      const api = yield* ecomApi({ data, withTotal: true })
      const settings = { API_PAGE_SIZE: "100", API_CONCURRENCY: "4", API_RATE_LIMIT_DELAY: "2" }
      const fiber = yield* Effect.fork(
        extract(extractPaths(week)).pipe(
          Effect.provide(liveEventsApi(api, settings)),
          Effect.provide(NodeFileSystem.layer),
        ),
      )
      yield* eventually("page 1 went out at once", () => api.requests().length === 1)
      // Pages 2 to 5 are in flight together, each given its own slot, 2 s apart.
      yield* sleepingUntil(8_000)
      assert.includeMembers([...(yield* TestClock.sleeps())], [2_000, 4_000, 6_000, 8_000])
      for (let k = 1; k <= 5; k++) {
        yield* sleepingUntil(2_000 * k)
        yield* TestClock.setTime(2_000 * k - 1)
        yield* sleepingUntil(2_000 * k)
        assert.strictEqual(api.requests().length, k, `nothing more before ${2_000 * k} ms`)
        yield* TestClock.setTime(2_000 * k)
        yield* eventually(`request ${k + 1} went out at ${2_000 * k} ms`, () => api.requests().length === k + 1)
      }
      const result = yield* Fiber.join(fiber)
      assert.deepStrictEqual([result.rowsFetched, result.pages], [600, 6])
      assert.deepStrictEqual(
        api.requests().map((r) => r.page),
        [1, 2, 3, 4, 5, 6],
      )
    }),
  )
})
