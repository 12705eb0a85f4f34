import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Either } from "effect"
import fc from "fast-check"
import { weekPaths } from "../../../src/domain/WeekPaths.js"
import { duckQuery, parquet } from "../../support/DuckDb.js"
import { labelledLine } from "../../support/LabelledEventLines.js"
import { assert, describe, it } from "../../support/vitest.js"
import { runTransform, WEEK } from "../../support/WeekFixture.js"

/** The week's files under a directory this test removes. */
const withWeek = async <A>(f: (paths: ReturnType<typeof weekPaths>) => Promise<A>): Promise<A> => {
  const root = mkdtempSync(join(tmpdir(), "retl-oracle-"))
  try {
    const paths = weekPaths(
      {
        localDataDir: join(root, "data"),
        localRejectsDir: join(root, "rejects"),
        stateDir: join(root, "state"),
        lakeBasePath: "lake/events",
        lakeRejectsBasePath: "lake/rejects",
      },
      WEEK,
    )
    mkdirSync(paths.localDir, { recursive: true })
    return await f(paths)
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

const EVENT_COLUMNS =
  "epoch_us(event_time) AS event_time, event_type, product_id, category_id, category_code, brand, price, user_id, user_session"

describe("transform against rows worked out without its code", () => {
  it("keeps exactly the valid records, as the rules make them, and rejects exactly the broken ones", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(labelledLine, { minLength: 1, maxLength: 30 }), async (labelled) =>
        withWeek(async (paths) => {
          writeFileSync(paths.raw, labelled.map(({ line }) => `${line}\n`).join(""))
          const { result } = await Effect.runPromise(runTransform(paths, { MIN_VALID_ROWS: "0" }))
          const out = Either.getOrThrow(result)
          const expected = labelled.flatMap(({ expected }) => (expected === null ? [] : [expected]))
          const rejected = labelled.flatMap(({ expected, defect }, i) => (expected === null ? [`${i} ${defect}`] : []))
          assert.deepStrictEqual(
            [out.rowsFetched, out.rowsValid, out.rowsRejected],
            [labelled.length, expected.length, rejected.length],
          )

          const rejects = await duckQuery(`SELECT row_index FROM ${parquet(paths.rejects)} ORDER BY row_index`)
          assert.deepStrictEqual(
            rejects.map((row) => `${Number(row.row_index)} ${labelled[Number(row.row_index)]?.defect}`),
            rejected,
          )
          const events = await duckQuery(`SELECT ${EVENT_COLUMNS} FROM ${parquet(paths.events)}`)
          assert.deepStrictEqual(
            events.map((row) => ({ ...row, event_time: Number(row.event_time) })),
            expected,
          )
        }),
      ),
      { numRuns: 40 },
    )
  })
})
