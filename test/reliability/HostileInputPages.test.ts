import { existsSync, readdirSync, readFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { NodeFileSystem } from "@effect/platform-node"
import { Cause, Effect, Either, Exit, Logger, Option } from "effect"
import fc from "fast-check"
import { parseWeek } from "../../src/domain/Week.js"
import { weekPaths } from "../../src/domain/WeekPaths.js"
import type { RunningEcomApi } from "../../src/emulators/events-api/EcomApiServer.js"
import { extract } from "../../src/program/stages/Extract.js"
import { liveEventsApi } from "../support/ecomApi.js"
import {
  brokenPage,
  compacted,
  type GoodPage,
  goodBody,
  goodPage,
  type Page,
  type PageRecord,
  pageRecord,
  pagesCounted,
  pageTotal,
} from "../support/HostilePageArbitraries.js"
import { checkGenerated } from "../support/reliability/Generated.js"
import { tempDir as makeTempDir } from "../support/TempDir.js"
import { afterAll, assert, beforeAll, describe, it } from "../support/vitest.js"

const week = Either.getOrThrow(parseWeek("2019-12-01", "2019-12-07"))

/** A server on 127.0.0.1 answering page `n` with the n-th body of the current scenario, `[]` past them. */
let bodies: ReadonlyArray<Uint8Array> = []
let server: Server
let url = ""

beforeAll(async () => {
  server = createServer((request, response) => {
    const page = Number(new URL(request.url ?? "/", "http://api").searchParams.get("page") ?? "1")
    const body = bodies[page - 1] ?? Buffer.from("[]")
    response.writeHead(200, { "content-type": "application/json", "content-length": body.length }).end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

interface Scenario {
  readonly pageSize: number
  readonly concurrency: number
  readonly pages: ReadonlyArray<Page>
}

const goodRecords = (page: Page): ReadonlyArray<PageRecord> => (page.kind === "good" ? page.records : [])

/**
 * Serves the scenario to the real HttpClient and runs the extract stage: it must write exactly the
 * records of the pages the week counts, each compacted to a line, or fail naming the first broken
 * page it counts, leaving no file at all; never die.
 */
const extractHolds = async (scenario: Scenario) => {
  const truth = scenario.pages.reduce((n, page) => n + goodRecords(page).length, 0)
  bodies = scenario.pages.map((page) => (page.kind === "good" ? goodBody(page, truth) : page.body))
  const dir = makeTempDir("retl-hostile-pages-")
  const paths = weekPaths(
    { localDataDir: dir, localRejectsDir: dir, stateDir: dir, lakeBasePath: "l", lakeRejectsBasePath: "r" },
    week,
  )
  const settings = {
    API_PAGE_SIZE: String(scenario.pageSize),
    API_CONCURRENCY: String(scenario.concurrency),
    API_MAX_RETRIES: "1",
  }
  const exit = await Effect.runPromiseExit(
    extract(paths).pipe(
      Effect.provide(liveEventsApi({ url } as RunningEcomApi, settings)),
      Effect.provide(NodeFileSystem.layer),
      Effect.provide(Logger.remove(Logger.defaultLogger)),
    ),
  )
  assert.isFalse(Exit.isFailure(exit) && Option.isNone(Cause.failureOption(exit.cause)), "no defect")

  // Read as the extract does: a broken page counts as a full one until its turn comes.
  const asRead = scenario.pages.map((page) =>
    page.kind === "good"
      ? { records: page.records.length, total: pageTotal(page, truth) }
      : { records: scenario.pageSize, total: undefined },
  )
  const counted = pagesCounted(asRead, scenario.pageSize)
  const broken = scenario.pages.findIndex((page) => page.kind === "broken")
  const files = readdirSync(paths.localDir)
  if (broken >= 0 && broken < counted) {
    assert.isTrue(Exit.isFailure(exit), "a broken page fails the week")
    const error = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause)) : undefined
    assert.strictEqual(error?._tag, "ApiResponseError")
    assert.strictEqual(error?.details.page, broken + 1)
    assert.include(error?.message ?? "", `page ${broken + 1} of ${week.start}..${week.end}`)
    assert.deepStrictEqual(files, [], "no raw.ndjson, partial or whole, and no temp file")
    return
  }
  assert.isTrue(Exit.isSuccess(exit), `the week is read: ${Exit.isFailure(exit) ? Cause.pretty(exit.cause) : ""}`)
  const records = scenario.pages.slice(0, counted).flatMap(goodRecords)
  const expected = Buffer.concat(records.flatMap((r) => [compacted(r.bytes), Buffer.from("\n")]))
  assert.deepStrictEqual(files, ["raw.ndjson"], "the file, and no temp file beside it")
  assert.isTrue(existsSync(paths.raw))
  const written = readFileSync(paths.raw)
  if (!written.equals(expected)) {
    const [got, want] = [written, expected].map((b) => b.toString("latin1").split("\n"))
    const i = (want as Array<string>).findIndex((line, n) => line !== got?.[n])
    const shape = scenario.pages.map((p) => (p.kind === "good" ? `${p.records.length}/${p.total}` : p.what))
    assert.fail(
      `line ${i} differs: ${JSON.stringify(got?.[i])} written, ${JSON.stringify(want?.[i])} expected; page size ${scenario.pageSize}, pages ${shape.join(" ")}, ${counted} counted`,
    )
  }
  if (Exit.isSuccess(exit)) assert.strictEqual(exit.value.rowsFetched, records.length)
}

const sameRecords = (a: GoodPage, b: GoodPage | undefined) =>
  b !== undefined &&
  a.records.length === b.records.length &&
  a.records.every(
    (r, i) => Buffer.compare(compacted(r.bytes), compacted(b.records[i]?.bytes ?? new Uint8Array())) === 0,
  )

const scenario = (records: fc.Arbitrary<PageRecord>, maxFull: number) =>
  fc
    .record({ pageSize: fc.integer({ min: 1, max: 4 }), concurrency: fc.constantFrom(1, 3) })
    .chain(({ pageSize, concurrency }) =>
      fc
        .record({
          // Two full pages in a row with the same records are an API that ignores `page`: the extract
          // stops on them by design (ExtractRunaway.test.ts), so the bodies here never repeat a page's
          // records (as the extract writes them: compacted).
          full: fc
            .array(goodPage(fc.array(records, { minLength: pageSize, maxLength: pageSize })), { maxLength: maxFull })
            .filter((pages) => pages.every((page, i) => i === 0 || !sameRecords(page, pages[i - 1]))),
          last: fc.option(goodPage(fc.array(records, { maxLength: pageSize - 1 }))),
          broken: fc.option(
            fc.tuple(fc.nat(), brokenPage(goodPage(fc.array(records, { maxLength: 3 })).map((p) => goodBody(p, 7)))),
            { freq: 2 },
          ),
        })
        .map(({ full, last, broken }): Scenario => {
          const pages: Array<Page> = [...full]
          if (broken !== null) pages.splice(broken[0] % (full.length + 1), 0, broken[1])
          if (last !== null) pages.push(last)
          return { pageSize, concurrency, pages }
        }),
    )

describe("hostile pages through the events API and the extract", () => {
  it("writes records byte for byte or fails naming the page, for any body", async () => {
    await checkGenerated(
      "hostile-input",
      "extract: generated page bodies over HTTP",
      { short: 40, long: 1_500 },
      scenario(pageRecord, 4),
      extractHolds,
      (s) => s.pages.length,
    )
  }, 120_000)

  it("takes gigantic pages whole: megabytes of records, or many thousands of them", async () => {
    const big = (mb: number) =>
      fc.constantFrom("x", "é", "\\n").map(
        (unit): PageRecord => ({
          bytes: Buffer.from(`{"user_id":1,"brand":"${unit.repeat(Math.ceil((mb * 1024 * 1024) / unit.length))}"}`),
        }),
      )
    const many = (n: number, records: ReadonlyArray<PageRecord>): GoodPage => ({
      kind: "good",
      records: Array.from({ length: n }, (_, i) => records[i % records.length] as PageRecord),
      envelope: "data",
      total: "none",
      bom: false,
      decoys: false,
    })
    await checkGenerated(
      "hostile-input",
      "extract: gigantic page bodies over HTTP",
      { short: 2, long: 20 },
      fc.oneof(
        fc
          .constantFrom(2, 8)
          .chain((mb) =>
            goodPage(fc.tuple(big(mb), pageRecord)).map((page) => ({ pageSize: 2, concurrency: 2, pages: [page] })),
          ),
        fc.array(pageRecord, { minLength: 1, maxLength: 20 }).map((records) => ({
          pageSize: 1000,
          concurrency: 2,
          pages: [many(30_000, records), many(1_000, records), many(999, records)],
        })),
      ),
      extractHolds,
      (s) => s.pages.length,
    )
  }, 120_000)
})
