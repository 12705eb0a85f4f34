import { readdirSync, readFileSync } from "node:fs"
import { FileSystem } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import { parse } from "csv-parse/sync"
import { Effect, Either, Stream } from "effect"
import { FAILED_ROW_COLUMNS, writeFailedRowsCsv } from "../../../src/program/operator/FailedRowsOutput.js"
import { ansi, plain, renderTable, wantsColour } from "../../../src/program/operator/TextTable.js"
import type { FailedRow } from "../../../src/services/PipelineHistory.js"
import { assert, describe, it } from "../../support/vitest.js"

const ESCAPE = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g")
const stripAnsi = (text: string) => text.replace(ESCAPE, "")

describe("text tables", () => {
  const columns = [
    { header: "ID" },
    { header: "STATUS" },
    { header: "ROWS", align: "right" as const },
    { header: "ERROR" },
  ]
  const rows = [
    ["run-1", { text: "SUCCESS", style: "green" as const }, "1,234,567", "—"],
    [
      "a-much-longer-run-id",
      { text: "FAILED", style: "red" as const },
      "7",
      { text: "DataQualityError", style: "red" as const },
    ],
  ]

  it.effect("aligns every column on its widest cell, numbers to the right, with no trailing spaces", () =>
    Effect.sync(() => {
      const lines = renderTable(columns, rows, plain)
      assert.deepStrictEqual(lines, [
        "  ID                    STATUS        ROWS  ERROR",
        "  run-1                 SUCCESS  1,234,567  —",
        "  a-much-longer-run-id  FAILED           7  DataQualityError",
      ])
    }),
  )

  it.effect("paints after padding: without the escape codes the coloured table is the plain one", () =>
    Effect.sync(() => {
      const coloured = renderTable(columns, rows, ansi)
      assert.include(coloured[2] ?? "", "\u001b[31mFAILED \u001b[0m")
      assert.deepStrictEqual(coloured.map(stripAnsi), renderTable(columns, rows, plain))
    }),
  )

  it.effect("wants colour only on a terminal, without NO_COLOR (any value but empty), and not on a dumb one", () =>
    Effect.sync(() => {
      assert.isTrue(wantsColour(true, {}))
      assert.isTrue(wantsColour(true, { NO_COLOR: "" }))
      assert.isFalse(wantsColour(true, { NO_COLOR: "1" }))
      assert.isFalse(wantsColour(true, { NO_COLOR: "0" }))
      assert.isFalse(wantsColour(true, { TERM: "dumb" }))
      assert.isFalse(wantsColour(false, {}))
      assert.isFalse(wantsColour(undefined, {}))
    }),
  )
})

const failed = (
  externalId: string,
  errorMessage: string | null,
  errorCode: string | null = "BAD_VALUE",
): FailedRow => ({
  externalId,
  weekStart: "2019-12-01",
  weekEnd: "2019-12-07",
  outcome: "failed",
  errorCode,
  errorMessage,
  salesforceId: null,
  runId: "run-1",
  jobId: "750000000000001AAA",
  recordedAt: new Date("2019-12-08T06:00:00.000Z"),
})

describe("the CSV of salesforce failures", () => {
  it.scoped("quotes what needs it, keeps every value, disarms formulas, and writes the header once", () =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const rows = [
        failed("u1:2019-12-01", 'Revenue "must" be positive, not -3'),
        failed("u2:2019-12-01", "line one\nline two\r\nline three"),
        failed('=HYPERLINK("http://x"):2019-12-01', "+1 is not a value"),
        failed("u4:2019-12-01", "@SUM(A1)"),
        failed("u5:2019-12-01", null, null),
        failed("ü6:2019-12-01", "Ümlaut ✓ — €"),
      ]
      const path = `${dir}/out/failures.csv`
      const written = yield* writeFailedRowsCsv(path, Stream.fromIterable(rows).pipe(Stream.rechunk(2)))
      assert.strictEqual(written, 6)
      const text = readFileSync(path, "utf8")
      assert.strictEqual(text.split("\n")[0], FAILED_ROW_COLUMNS.join(","))
      assert.strictEqual(text.match(/^external_id,/gm)?.length, 1)
      const parsed = parse(text, { columns: true }) as Array<Record<string, string>>
      assert.deepStrictEqual(
        parsed.map((r) => [r.external_id, r.error_code, r.error_message]),
        [
          ["u1:2019-12-01", "BAD_VALUE", 'Revenue "must" be positive, not -3'],
          ["u2:2019-12-01", "BAD_VALUE", "line one\nline two\r\nline three"],
          ['\'=HYPERLINK("http://x"):2019-12-01', "BAD_VALUE", "'+1 is not a value"],
          ["u4:2019-12-01", "BAD_VALUE", "'@SUM(A1)"],
          ["u5:2019-12-01", "", ""],
          ["ü6:2019-12-01", "BAD_VALUE", "Ümlaut ✓ — €"],
        ],
      )
      assert.deepInclude(parsed[0], {
        week_start: "2019-12-01",
        outcome: "failed",
        run_id: "run-1",
        recorded_at: "2019-12-08T06:00:00.000Z",
      })
      assert.deepStrictEqual(readdirSync(`${dir}/out`), ["failures.csv"], "no temp file left")
    }).pipe(Effect.provide(NodeFileSystem.layer)),
  )

  it.scoped("a file that cannot be written is a LocalStorageError naming it, and leaves no temp file", () =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      yield* fs.makeDirectory(`${dir}/taken`)
      const result = yield* Effect.either(writeFailedRowsCsv(`${dir}/taken`, Stream.make(failed("u1", "x"))))
      assert.isTrue(Either.isLeft(result))
      if (Either.isLeft(result)) {
        assert.strictEqual(result.left._tag, "LocalStorageError")
        assert.include(result.left.message, `${dir}/taken`)
      }
      assert.deepStrictEqual(readdirSync(dir), ["taken"])
    }).pipe(Effect.provide(NodeFileSystem.layer)),
  )
})
