import { createHash } from "node:crypto"
import { readFileSync, writeFileSync } from "node:fs"
import { Cause, Chunk, Effect, Either, Stream } from "effect"
import fc from "fast-check"
import { asyncBufferFromFile, parquetReadObjects } from "hyparquet"
import { readEventRows } from "../../src/codecs/parquet/EventsParquetReader.js"
import type { WeekPaths } from "../../src/domain/WeekPaths.js"
import { decodeLine } from "../../src/program/transform/EventLine.js"
import { duckQuery, parquet } from "../support/DuckDb.js"
import { hostileLine, hugeLine, lineEnding } from "../support/HostileLineArbitraries.js"
import { checkGenerated, prototypeSnapshot } from "../support/reliability/Generated.js"
import { tally, trials } from "../support/reliability/Tally.js"
import { assert, describe, it } from "../support/vitest.js"
import { INGESTED_AT_MICROS, runTransform, tempWeek, WEEK } from "../support/WeekFixture.js"

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex")

/** A line of the file: its bytes and how it ends. */
interface FileLine {
  readonly bytes: Uint8Array
  readonly ending: string
}

const fileLines = (lines: ReadonlyArray<Uint8Array>, endings: ReadonlyArray<string>, lastEnds: boolean) =>
  lines.map((bytes, i): FileLine => {
    const last = i === lines.length - 1
    // An empty last line needs its newline, or it is no line at all.
    const ending = last && !lastEnds && bytes.length > 0 ? "" : (endings[i % endings.length] ?? "\n")
    return { bytes, ending }
  })

const writeFile = (paths: WeekPaths, lines: ReadonlyArray<FileLine>) =>
  writeFileSync(paths.raw, Buffer.concat(lines.flatMap((l) => [Buffer.from(l.bytes), Buffer.from(l.ending)])))

/** The line as the stage reads it: up to its `\n`, one `\r` before that dropped, decoded as UTF-8. */
const asRead = (line: FileLine): string => {
  let text = Buffer.concat([Buffer.from(line.bytes), Buffer.from(line.ending)]).toString("utf8")
  if (text.endsWith("\n")) text = text.slice(0, -1)
  return text.endsWith("\r") ? text.slice(0, -1) : text
}

/** Text as Parquet stores it (UTF-8: a lone surrogate becomes U+FFFD). */
const stored = <A extends object>(record: A): A =>
  Object.fromEntries(
    Object.entries(record).map(([k, v]) => [k, typeof v === "string" ? Buffer.from(v, "utf8").toString("utf8") : v]),
  ) as A

interface Reject {
  readonly row_index: bigint
  readonly error_count: number
  readonly errors: string
  readonly raw_event: string
}

/** The rejects as stored; text decoded by Buffer, since a TextDecoder drops a leading U+FEFF. */
const rejectsOf = async (path: string) =>
  (await parquetReadObjects({
    file: await asyncBufferFromFile(path),
    columns: ["row_index", "error_count", "errors", "raw_event"],
    parsers: { stringFromBytes: (bytes) => bytes && Buffer.from(bytes).toString("utf8") },
  })) as unknown as Array<Reject>

/**
 * Runs the transform on `lines` and holds it to what a user is promised: every line is exactly
 * one valid row or one reject (fetched = valid + rejected), rejects carry their line's index, the
 * line as read and at least one reason with a path and a message; the rows are the ones the
 * exact path (lossless JSON + Schema) gives on this thread; no built-in prototype changed.
 */
const transformHolds = async (lines: ReadonlyArray<FileLine>, settings: Record<string, string>) => {
  const before = prototypeSnapshot()
  const paths = tempWeek()
  writeFile(paths, lines)
  const exit = await Effect.runPromiseExit(runTransform(paths, { MIN_VALID_ROWS: "0", ...settings }))
  assert.strictEqual(
    exit._tag,
    "Success",
    exit._tag === "Failure" ? `no defect: ${Cause.pretty(exit.cause).slice(0, 2_000)}` : "",
  )
  if (exit._tag !== "Success") return paths
  const outcome = exit.value.result
  assert.isTrue(Either.isRight(outcome), `no failure: ${Either.isLeft(outcome) ? outcome.left.message : ""}`)
  if (Either.isLeft(outcome)) return paths
  const out = outcome.right

  const read = lines.map(asRead)
  const expected = read.map((text) => decodeLine(text, WEEK))
  assert.strictEqual(out.rowsFetched, lines.length, "one record a line")
  assert.strictEqual(out.rowsValid + out.rowsRejected, out.rowsFetched, "fetched = valid + rejected")

  const rejects = await rejectsOf(paths.rejects)
  assert.strictEqual(rejects.length, out.rowsRejected)
  const rejected = expected.flatMap((d, i) => (Either.isLeft(d) ? [i] : []))
  assert.deepStrictEqual(
    rejects.map((r) => Number(r.row_index)),
    rejected,
    "each reject carries its line's index, in order",
  )
  for (const reject of rejects) {
    const i = Number(reject.row_index)
    assert.strictEqual(reject.raw_event, read[i], `line ${i} kept as read`)
    const errors = JSON.parse(reject.errors) as Array<{ path: unknown; message: unknown }>
    assert.isAtLeast(errors.length, 1, `line ${i} says why`)
    assert.strictEqual(reject.error_count, errors.length)
    for (const error of errors) {
      assert.isString(error.path, `line ${i}: every reason names a path ("" for the record)`)
      assert.isString(error.message)
      assert.isAbove(String(error.message).length, 0)
    }
    const reasons = Either.isLeft(expected[i] as Either.Either<unknown, unknown>)
      ? (expected[i] as Either.Left<ReadonlyArray<unknown>, unknown>).left
      : []
    assert.deepStrictEqual(errors, reasons, `line ${i}: the reasons the exact path gives`)
  }

  const events = Chunk.toArray(await Effect.runPromise(Stream.runCollect(readEventRows(paths.events))))
  assert.deepStrictEqual(
    events,
    expected.flatMap((d) =>
      Either.isRight(d)
        ? [
            stored({
              ...d.right,
              batch_week_start: WEEK.start,
              batch_week_end: WEEK.end,
              ingested_at: INGESTED_AT_MICROS,
            }),
          ]
        : [],
    ),
  )
  assert.deepStrictEqual(prototypeSnapshot(), before, "no built-in prototype changed")
  assert.isUndefined(({} as Record<string, unknown>).polluted)
  assert.isUndefined(({} as Record<string, unknown>).user_id)
  return paths
}

const records = fc.tuple(
  fc.array(hostileLine, { minLength: 1, maxLength: 40 }),
  fc.array(lineEnding, { minLength: 1, maxLength: 3 }),
  fc.boolean(),
)

const WEEK_TIME = '"2019-11-03 10:00:00 UTC"'
/** Lines that a polluted prototype (in a worker or here) would decode differently. */
const SENTINELS = [
  `{"event_time":${WEEK_TIME},"event_type":"view"}`,
  `{"event_time":${WEEK_TIME},"event_type":"view","user_id":"sentinel"}`,
  "{}",
]
const FILLER = `{"event_time":${WEEK_TIME},"event_type":"cart","product_id":5,"price":1.5,"user_id":"filler"}`
const GROUP = 1000

/** One row group: hostile lines, filler, and the sentinels last, so they are decoded after everything else. */
const group = (hostile: ReadonlyArray<Uint8Array>) => [
  ...hostile,
  ...Array.from({ length: GROUP - hostile.length - SENTINELS.length }, () => Buffer.from(FILLER)),
  ...SENTINELS.map((s) => Buffer.from(s)),
]

describe("hostile records through the transform", () => {
  it("conserves every line, explains every reject and pollutes nothing (main thread)", async () => {
    await checkGenerated(
      "hostile-input",
      "transform: hostile raw.ndjson lines (main thread)",
      { short: 60, long: 2_000 },
      records,
      async ([lines, endings, lastEnds]) => {
        await transformHolds(fileLines(lines, endings, lastEnds), { TRANSFORM_WORKERS: "0" })
      },
      ([lines]) => lines.length,
    )
  }, 120_000)

  it("gives the same files on worker threads, and workers see no polluted prototype", async () => {
    await checkGenerated(
      "hostile-input",
      "transform: hostile raw.ndjson lines (worker threads)",
      { short: 1, long: 40 },
      fc.tuple(
        fc.array(hostileLine, { minLength: 20, maxLength: 60 }),
        fc.array(hostileLine, { minLength: 20, maxLength: 60 }),
        lineEnding,
      ),
      async ([first, second, ending]) => {
        const lines = fileLines([...group(first), ...group(second)], [ending], true)
        const settings = { PARQUET_ROW_GROUP_SIZE: String(GROUP) }
        const threaded = await transformHolds(lines, { ...settings, TRANSFORM_WORKERS: "2" })
        const inline = await transformHolds(lines, { ...settings, TRANSFORM_WORKERS: "0" })
        for (const at of [GROUP - 3, 2 * GROUP - 3]) {
          const [reject] = (await rejectsOf(threaded.rejects)).filter((r) => Number(r.row_index) === at)
          assert.strictEqual(reject?.errors, '[{"path":"user_id","message":"user_id is required"}]', "seen by a worker")
        }
        const [events, rejects] = await Promise.all(
          [threaded.events, threaded.rejects].map((path) => duckQuery(`SELECT count(*) AS n FROM ${parquet(path)}`)),
        )
        assert.strictEqual(
          Number(events?.[0]?.n) + Number(rejects?.[0]?.n),
          lines.length,
          "DuckDB reads every row of both files",
        )
        assert.strictEqual(sha256(threaded.events), sha256(inline.events), "events: byte for byte the main thread's")
        assert.strictEqual(sha256(threaded.rejects), sha256(inline.rejects), "rejects: byte for byte the main thread's")
      },
      ([first, second]) => first.length + second.length,
    )
  }, 180_000)

  it("takes strings of megabytes whole, in any field, valid or not", async () => {
    await checkGenerated(
      "hostile-input",
      "transform: records with multi-megabyte strings",
      { short: 2, long: 30 },
      fc.tuple(
        fc.constantFrom(1, 3, 6).chain((mb) => hugeLine(mb * 1024 * 1024)),
        fc.array(hostileLine, { maxLength: 5 }),
        fc.constantFrom("0", "1"),
      ),
      async ([huge, others, workers]) => {
        await transformHolds(fileLines([...others, huge, ...others], ["\n"], true), { TRANSFORM_WORKERS: workers })
      },
      ([, others]) => 1 + 2 * others.length,
    )
  }, 180_000)

  it("rejects nesting past 256 levels the same way on every thread", async () => {
    const deep = (depth: number) =>
      Buffer.from(
        `{"event_time":${WEEK_TIME},"event_type":"view","user_id":"u","x":${"[".repeat(depth)}${"]".repeat(depth)}}`,
      )
    const depths = [255, 256, 257, 3_000, 4_000, 6_000, trials(20_000, 1_000_000)]
    const lines = fileLines(
      depths.map((d) => deep(d)),
      ["\n"],
      true,
    )
    const inline = await transformHolds(lines, { TRANSFORM_WORKERS: "0" })
    const threaded = await transformHolds(lines, { TRANSFORM_WORKERS: "1" })
    for (const paths of [inline, threaded]) {
      const rejects = await rejectsOf(paths.rejects)
      assert.deepStrictEqual(
        rejects.map((r) => [Number(r.row_index), r.errors]),
        depths.flatMap((d, i) =>
          d + 1 > 256
            ? [[i, '[{"path":"","message":"nested too deeply: more than 256 levels of arrays and objects"}]']]
            : [],
        ),
      )
    }
  }, 60_000)

  it("takes no object for a number, whatever keys it has", async () => {
    const forged = [
      '{"isLosslessNumber":true,"value":"42"}',
      '{"value":"42"}',
      '["42"]',
      '{"__proto__":{"value":"42"}}',
    ]
    const fields = ["user_id", "price", "product_id", "category_id"]
    const lines = forged.flatMap((value) =>
      fields.map((field) =>
        Buffer.from(
          `{"event_time":${WEEK_TIME},"event_type":"view",${field === "user_id" ? "" : '"user_id":"u",'}${JSON.stringify(field)}:${value}}`,
        ),
      ),
    )
    const paths = await transformHolds(fileLines(lines, ["\n"], true), { TRANSFORM_WORKERS: "0" })
    const rejects = await rejectsOf(paths.rejects)
    assert.strictEqual(rejects.length, lines.length, "every one a reject")
    for (const [i, reject] of rejects.entries()) {
      const field = fields[i % fields.length] as string
      const errors = JSON.parse(reject.errors) as Array<{ path: string; message: string }>
      assert.deepStrictEqual(
        errors.map((e) => e.path),
        [field],
      )
      assert.match(errors[0]?.message ?? "", /must be a (string or a )?(finite )?number|must be a string/)
    }
    tally({
      suite: "hostile-input",
      case: "transform: objects forged as numbers",
      tried: lines.length,
      passed: lines.length,
    })
  })
})
