import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { isAbsolute, join, relative, resolve, sep } from "node:path"
import { NodeFileSystem } from "@effect/platform-node"
import { Cause, Context, Effect, Either, Exit, Layer, Logger, Option, Scope } from "effect"
import fc from "fast-check"
import { safeRunTag } from "../../src/domain/RunTag.js"
import { parseWeek } from "../../src/domain/Week.js"
import { weekPaths } from "../../src/domain/WeekPaths.js"
import { type AdlsEmulator, adlsEmulator } from "../../src/emulators/adls/AdlsEmulator.js"
import * as LakeLocal from "../../src/layers/lake/LakeLocal.js"
import * as LakeMemory from "../../src/layers/lake/LakeMemory.js"
import { runOfWeek } from "../../src/program/pipeline/RunOptions.js"
import { Lake } from "../../src/services/Lake.js"
import { adlsLakeOn } from "../support/adlsLake.js"
import { makeHarness } from "../support/PipelineHarness.js"
import { checkGenerated } from "../support/reliability/Generated.js"
import { tally } from "../support/reliability/Tally.js"
import { tempDir as makeTempDir } from "../support/TempDir.js"
import { afterAll, assert, beforeAll, describe, it } from "../support/vitest.js"

const BYTES = "lake bytes\n"

/** Every file under `dir`, relative to it. */
const filesUnder = (dir: string): Array<string> =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => !entry.isDirectory())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))

const outside = (dir: string, path: string) => {
  const r = relative(dir, path)
  return r === ".." || r.startsWith(`..${sep}`) || isAbsolute(r)
}

/** A file this test put there: the source's bytes. */
const ours = (path: string) => existsSync(path) && statSync(path).isFile() && readFileSync(path, "utf8") === BYTES

/** What a lake path must never be: the rules a path that could leave the lake breaks. */
const escapes = (path: string): boolean =>
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  /[\u0000-\u001f\u007f\\]/.test(path) ||
  path.startsWith("/") ||
  /^[A-Za-z]:/.test(path) ||
  path.split("/").some((segment) => segment === "" || /^(\.|%2e){1,2}$/i.test(segment))

/** Texts that climb out of a directory, or would once some parser made a path of them. */
const ESCAPING = [
  "..",
  ".",
  "",
  "/",
  "../../../escaped",
  "a/../../b",
  "/etc/x",
  "C:\\x",
  "\u0000",
  "%2e%2e",
  "%2e%2e%2fx",
]

/** Week strings: escapes hidden after a date, and what is nearly a date. */
const WEEKISH = [
  ...ESCAPING.map((e) => `2019-12-01${e}`),
  ...ESCAPING,
  "２０１９-12-01",
  "2019-12-01\n",
  "+02019-12-01",
  "2019-02-30",
  "2019-12-1",
  "2019-12-01T00:00:00Z",
  "2019-12-01".repeat(100),
]

const SEGMENTS = [
  "..",
  ".",
  "",
  "...",
  " .. ",
  "%2e%2e",
  "%2E%2E%2F..",
  "..%2f..%2fescaped",
  "%2e%2e%2f%2e%2e%2fneighbour",
  "%2e",
  ".%2E",
  "a?b",
  "?",
  "#",
  "%",
  "%25",
  "%2f",
  "..%5c..",
  "．．",
  "\u2024\u2024",
  "..\\..",
  "a\\b",
  "C:",
  "c:\\windows",
  "\u0000",
  "x\u0000y",
  "\n",
  "\u202eexe.txt",
  "~",
  "$HOME",
  "week_start=2019-12-01",
  "events.parquet",
  ".lake-meta",
  ".events.parquet.tmp-1",
  "é",
  "a".repeat(300),
  "b".repeat(255),
]

/** Lake paths that try to climb out, in every spelling, and some that only look like they do. */
const hostilePath = fc
  .tuple(
    fc.constantFrom("", "", "/", "//", "./", "../", "C:/", "\\"),
    fc.array(
      fc.oneof(fc.constantFrom(...SEGMENTS), fc.stringMatching(/^[a-z0-9_=.-]{1,12}$/), fc.string({ maxLength: 8 })),
      {
        minLength: 1,
        maxLength: 6,
      },
    ),
    fc.constantFrom("", "", "/", "/..", "\u0000"),
  )
  .map(([head, segments, tail]) => `${head}${segments.join("/")}${tail}`)

type Lakes = ReadonlyArray<{ readonly name: string; readonly lake: Lake["Type"]; readonly dir: string | undefined }>

let root: string
let emulator: AdlsEmulator
/** Another container of the same account: nothing put in the lake may land there. */
let neighbour: Lake["Type"]
let lakes: Lakes
let source: string
const scope = Effect.runSync(Scope.make())

beforeAll(async () => {
  root = makeTempDir("retl-paths-")
  for (const d of ["src", "out", "local-lake", "adls"]) mkdirSync(join(root, d))
  source = join(root, "src", "file.bin")
  writeFileSync(source, BYTES)
  emulator = await Effect.runPromise(Scope.extend(adlsEmulator({ dir: join(root, "adls") }), scope))
  const build = (layer: Layer.Layer<Lake, unknown, never>) =>
    Effect.runPromise(
      Scope.extend(
        Effect.map(Layer.build(layer), (c) => Context.get(c, Lake)),
        scope,
      ),
    )
  const fs = NodeFileSystem.layer
  neighbour = await build(adlsLakeOn(emulator, { CONTAINER: "neighbour" }).pipe(Layer.provide(fs)))
  await Effect.runPromise(neighbour.put(source, "seed.txt").pipe(Effect.provide(Logger.remove(Logger.defaultLogger))))
  lakes = [
    {
      name: "LakeLocal",
      lake: await build(LakeLocal.layerAt(join(root, "local-lake")).pipe(Layer.provide(fs))),
      dir: join(root, "local-lake"),
    },
    {
      name: "LakeAdls",
      lake: await build(adlsLakeOn(emulator).pipe(Layer.provide(fs))),
      dir: join(root, "adls", "lake"),
    },
    { name: "LakeMemory", lake: await build(LakeMemory.layer.pipe(Layer.provide(fs))), dir: undefined },
  ]
})

afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)))

const ALLOWED_ERRORS = ["ConfigurationError", "LocalStorageError", "AzureStorageError"]

let n = 0

/**
 * Every operation of every lake on `path`: a tagged error or a success, never a defect; a path
 * that could leave the lake refused with a ConfigurationError; a put that succeeds found at that
 * very path; nothing of ours at the place the path points to outside the lake's directory.
 */
const pathHolds = async (path: string) => {
  for (const { name, lake, dir } of lakes) {
    const out = join(root, "out", `${n++}.bin`)
    const ops = {
      put: lake.put(source, path),
      stat: lake.stat(path),
      exists: lake.exists(path),
      get: lake.get(path, out),
      list: lake.list(path),
      remove: lake.remove(path),
    }
    let put = false
    for (const [op, effect] of Object.entries(ops)) {
      const exit = await Effect.runPromiseExit(
        (effect as Effect.Effect<unknown, { _tag: string }>).pipe(Effect.provide(Logger.remove(Logger.defaultLogger))),
      )
      const what = `${name}.${op}(${JSON.stringify(path)})`
      if (Exit.isFailure(exit)) {
        const error = Option.getOrUndefined(Cause.failureOption(exit.cause))
        assert.include(ALLOWED_ERRORS, error?._tag, `${what}: a tagged error, never a defect`)
      }
      if (op === "put") put = Exit.isSuccess(exit)
      if (op === "stat" && put) {
        const found = Exit.isSuccess(exit) ? (exit.value as Option.Option<{ sizeBytes: number }>) : Option.none()
        assert.strictEqual(Option.getOrUndefined(found)?.sizeBytes, BYTES.length, `${what}: put it where it said`)
      }
      // `list` takes a directory prefix, so a trailing slash is its to ignore.
      const refused =
        op === "list" ? escapes(path.replace(/\/+$/, "")) && path.replace(/\/+$/, "") !== "" : escapes(path)
      if (refused) {
        assert.isTrue(Exit.isFailure(exit), `${what} is refused`)
        const error = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause)) : undefined
        assert.strictEqual(error?._tag, "ConfigurationError", what)
      }
    }
    if (dir !== undefined) {
      const target = resolve(dir, path.replaceAll("\u0000", ""))
      if (outside(dir, target)) assert.isFalse(ours(target), `${name}: nothing written at ${target}`)
    }
  }
}

/** Everything under the configured directories, and nothing moved into another container. */
const nothingStrayed = () => {
  const strays = filesUnder(root).filter(
    (file) => !["src", "out", "local-lake", "adls"].some((d) => file === d || file.startsWith(`${d}${sep}`)),
  )
  assert.deepStrictEqual(strays, [], "every file under the configured directories")
  assert.deepStrictEqual(
    emulator.files("neighbour").map((f) => f.path),
    ["seed.txt"],
    "nothing moved into another container",
  )
  for (const file of filesUnder(join(root, "out"))) {
    assert.strictEqual(readFileSync(join(root, "out", file), "utf8"), BYTES, "a get writes what was put")
  }
}

/** Paths a URL would rewrite: `?` starts a query, `%2f` decodes to `/`, `%2e%2e` folds a directory away. */
const URL_TRAPS = [
  "x/%2e%2e%2f%2e%2e%2fneighbour/escaped.txt",
  "x/%2E%2E/y.txt",
  "x/a?b",
  "x/?/y",
  "x/%2f",
  "x/%25",
  "x/%/y",
  "x/#y",
  "x/a&comp=list",
  "x/ y /z",
]

describe("lake paths that try to escape", () => {
  it("are refused or kept whole by every lake: paths a URL would rewrite", async () => {
    for (const path of URL_TRAPS) await pathHolds(path)
    nothingStrayed()
    tally({
      suite: "paths",
      case: "lake paths a URL would rewrite, on every lake",
      tried: URL_TRAPS.length,
      passed: URL_TRAPS.length,
    })
  }, 60_000)

  it("are refused by put, get, stat, list and remove on every lake, and nothing lands outside it", async () => {
    await checkGenerated(
      "paths",
      "lake paths: put/get/stat/exists/list/remove on LakeLocal, LakeAdls (emulator), LakeMemory",
      { short: 40, long: 2_000 },
      hostilePath,
      pathHolds,
    )
    nothingStrayed()
  }, 120_000)
})

describe("run tags and week strings that try to escape", () => {
  it("a run tag is one safe file name for any AIRFLOW_CTX_DAG_RUN_ID, and two ids never share one", async () => {
    const week = Either.getOrThrow(parseWeek("2019-12-01", "2019-12-07"))
    const locations = {
      localDataDir: "/data/raw_events",
      localRejectsDir: "/data/rejects",
      stateDir: "/state",
      lakeBasePath: "reverse_etl/raw_events",
      lakeRejectsBasePath: "reverse_etl/raw_events_rejects",
    }
    const paths = weekPaths(locations, week)
    const runId = fc.oneof(
      fc.string({ maxLength: 200, unit: "binary" }),
      fc.constantFrom(...ESCAPING, "scheduled__2019-12-08T00:00:00+00:00"),

      fc.string({ minLength: 90, maxLength: 2_000 }),
    )
    await checkGenerated(
      "paths",
      "run tags from AIRFLOW_CTX_DAG_RUN_ID",
      { short: 300, long: 50_000 },
      fc.uniqueArray(runId, { minLength: 2, maxLength: 6 }),
      async (ids) => {
        const tags = ids.map(safeRunTag)
        for (const [i, tag] of tags.entries()) {
          assert.match(tag, /^[A-Za-z0-9_-]+$/, JSON.stringify(ids[i]))
          assert.isAtMost(`_stage_salesforce-sync_${tag}.json`.length, 255, "a file name any file system takes")
          const sidecar = paths.sidecar("transform", tag)
          assert.strictEqual(sidecar, `${paths.localDir}/_stage_transform_${tag}.json`, "beside the week's files")
          assert.isFalse(escapes(paths.lakeSidecar("transform", tag)), "a valid lake path")
        }
        assert.strictEqual(new Set(tags).size, tags.length, `distinct ids, distinct tags: ${JSON.stringify(ids)}`)
      },
      (ids) => ids.length,
    )
  })

  it("a week string is a date or it is refused, so a partition never holds anything else", async () => {
    const text = fc.oneof(
      fc.string({ maxLength: 30, unit: "binary" }),
      fc.constantFrom(...WEEKISH),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
    )
    await checkGenerated(
      "paths",
      "week strings (--week-start/--week-end, WEEK_START/WEEK_END)",
      { short: 500, long: 50_000 },
      fc.tuple(text, text),
      async ([start, end]) => {
        const week = parseWeek(start, end)
        if (Either.isLeft(week)) {
          assert.match(week.left.message, /^(WEEK_START|WEEK_END) /, "names the setting")
          return
        }
        assert.match(week.right.partition, /^week_start=\d{4}-\d{2}-\d{2}\/week_end=\d{4}-\d{2}-\d{2}$/)
        assert.strictEqual(week.right.start, start)
        assert.strictEqual(week.right.end, end)
      },
      () => 2,
    )
  })
})

/** Files a harness run may leave: the warehouse, and a worker's data and state directories. */
const strayFiles = (dir: string) =>
  filesUnder(dir).filter((file) => !/^(warehouse\.sqlite(-wal|-shm|-journal)?|main\/(data|state)\/.*)$/.test(file))

const failure = (exit: Exit.Exit<unknown, unknown>) =>
  Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause)) : undefined

const weekText = fc
  .oneof(fc.constantFrom(...WEEKISH), fc.string({ maxLength: 20 }))
  .filter((t) => !/^\d{4}-\d{2}-\d{2}$/.test(t.trim()))

describe("the CLI and the pipeline with hostile run ids, weeks and lake prefixes", () => {
  it("refuses weeks from flags and settings that are not dates, and writes nothing", async () => {
    const h = await Effect.runPromise(Scope.extend(makeHarness(), scope))
    await checkGenerated(
      "paths",
      "CLI: hostile --week-start/--week-end, WEEK_START/WEEK_END, --from/--to",
      { short: 20, long: 300 },
      fc.tuple(weekText, fc.constantFrom("flags", "settings", "backfill")),
      async ([bad, where]) => {
        const run =
          where === "flags"
            ? h.cli(["run", "--week-start", bad, "--week-end", "2019-12-07", "--stage", "extract", "--local-only"])
            : where === "settings"
              ? h.cli(["run", "--stage", "extract", "--local-only"], { WEEK_START: "2019-12-01", WEEK_END: bad })
              : h.cli(["backfill", "--from", "2019-12-01", "--to", bad, "--local-only"])
        const { exit } = await Effect.runPromise(run)
        const error = failure(exit) as { _tag?: string; message?: string } | undefined
        assert.strictEqual(error?._tag, "ConfigurationError", `${where} ${JSON.stringify(bad)}`)
        const named = { flags: "--week-start", settings: "WEEK_END", backfill: "--to" }[where]
        assert.include(error?.message, named)
      },
    )
    assert.deepStrictEqual(strayFiles(h.dir), [])
    assert.deepStrictEqual(
      filesUnder(h.dir).filter((f) => f.startsWith("main")),
      [],
      "no week was written",
    )
  }, 60_000)

  it("keeps every sidecar of a hostile AIRFLOW_CTX_DAG_RUN_ID beside the week's files, locally and in the lake", async () => {
    const week = Either.getOrThrow(parseWeek("2019-12-01", "2019-12-07"))
    await checkGenerated(
      "paths",
      "pipeline: hostile AIRFLOW_CTX_DAG_RUN_ID through --stage extract",
      { short: 3, long: 60 },
      fc.oneof(fc.constantFrom(...ESCAPING), fc.string({ minLength: 1, maxLength: 300, unit: "binary" })),
      async (runId) => {
        await Effect.runPromise(
          Effect.scoped(
            Effect.gen(function* () {
              const h = yield* makeHarness({ data: { eventsPerWeek: 200 } })
              yield* h.run(runOfWeek(week, { stage: "extract" }), { airflowRunId: runId })
              // A blank id is no id (as every setting): a person's per-stage run, tagged "manual".
              const tag = runId.trim().length > 0 ? safeRunTag(runId) : "manual"
              const local = `main/data/raw_events/${week.partition}`
              assert.includeMembers(filesUnder(h.dir), [`${local}/_stage_extract_${tag}.json`, `${local}/raw.ndjson`])
              assert.deepStrictEqual(strayFiles(h.dir), [], "nothing outside the configured directories")
              const lake = yield* h.lake.list("")
              assert.includeMembers(
                lake.map((e) => e.path),
                [`reverse_etl/raw_events/${week.partition}/_stage_extract_${tag}.json`],
              )
            }),
          ),
        )
      },
    )
  }, 60_000)

  it("refuses a lake prefix that could leave the lake when the settings are read, naming the setting", async () => {
    const h = await Effect.runPromise(Scope.extend(makeHarness(), scope))
    const prefixes = ["../../escaped", "/abs/raw_events", "a/../../b", "a//b", ".", "a\\b", "x\u0000"]
    for (const setting of ["ADLS_BASE_PATH", "ADLS_REJECTS_BASE_PATH"]) {
      for (const prefix of prefixes) {
        const { exit } = await Effect.runPromise(
          h.cli(["run", "--week-start", "2019-12-01", "--week-end", "2019-12-07", "--validate-only"], {
            [setting]: prefix,
          }),
        )
        const error = failure(exit) as { _tag?: string; message?: string } | undefined
        assert.strictEqual(error?._tag, "ConfigurationError", `${setting}=${JSON.stringify(prefix)}`)
        assert.include(error?.message, setting)
      }
      const { exit } = await Effect.runPromise(
        h.cli(["run", "--week-start", "2019-12-01", "--week-end", "2019-12-07", "--validate-only"], {
          [setting]: "lake/reverse_etl/",
        }),
      )
      assert.isTrue(Exit.isSuccess(exit), "a relative prefix with a trailing slash is fine")
    }
    tally({ suite: "paths", case: "settings: hostile ADLS_BASE_PATH / ADLS_REJECTS_BASE_PATH", tried: 16, passed: 16 })
  })
})
