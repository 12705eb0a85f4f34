import { Effect, Either, Option, Stream, TestClock, TestContext } from "effect"
import fc from "fast-check"
import type { Week } from "../../../src/domain/Week.js"
import { Warehouse } from "../../../src/services/Warehouse.js"
import { assertTsqlShape, assertTyped, inlined, runOnMssql } from "../../support/tsql.js"
import { assert, describe, it } from "../../support/vitest.js"
import { eventRow, onMigratedSqlite, WEEK, week } from "../../support/warehouse.js"

/** The 7-day week that starts `days` after 2019-12-01. */
const weekAt = (days: number): Week => {
  const day = (d: number) => new Date(Date.UTC(2019, 11, 1 + d)).toISOString().slice(0, 10)
  return week(day(days), day(days + 6))
}

/** The checkpoint MERGE's guard, `target.next_week_start <op> Date'…'`, as a function of the stored start. */
const mergeGuard = (statement: string): ((storedStart: string) => boolean) => {
  const guard = /WHEN MATCHED AND target\.next_week_start (<=|<|>=|>|=) Date'(\d{4}-\d{2}-\d{2})' THEN/.exec(statement)
  if (guard === null) assert.fail(`no guard on the stored start in: ${statement}`)
  const op = guard?.[1]
  const bound = guard?.[2] ?? ""
  return (stored) =>
    op === "<"
      ? stored < bound
      : op === "<="
        ? stored <= bound
        : op === ">"
          ? stored > bound
          : op === ">="
            ? stored >= bound
            : stored === bound
}

const advanceOnMssql = (completed: Week) =>
  Effect.gen(function* () {
    yield* TestClock.setTime(Date.parse("2019-12-08T07:00:00.123Z"))
    return yield* runOnMssql(Effect.flatMap(Warehouse, (w) => w.advanceCheckpoint(completed)))
  })

describe("SQL Server statements held to their meaning (bound values, not only text)", () => {
  it.effect(
    "the checkpoint MERGE moves to the week after the completed one, only forward, with those dates bound",
    () =>
      Effect.gen(function* () {
        const { log } = yield* advanceOnMssql(WEEK)
        for (const statement of log) {
          assertTsqlShape(statement)
          assertTyped(statement)
        }
        const merge = inlined(log[0] ?? assert.fail("no statement"))
        assert.include(merge, "WHEN MATCHED AND target.next_week_start < Date'2019-12-08' THEN")
        assert.include(
          merge,
          "UPDATE SET next_week_start = Date'2019-12-08', next_week_end = Date'2019-12-14', updated_at = DateTime2'2019-12-08 07:00:00.123000'",
        )
        assert.include(merge, "VALUES (1, Date'2019-12-08', Date'2019-12-14', DateTime2'2019-12-08 07:00:00.123000');")
        assert.strictEqual(
          inlined(log[1] ?? assert.fail("no read back")).replace(/\s+/g, " "),
          "SELECT next_week_start, next_week_end, updated_at FROM [dbo].[pipeline_checkpoint] WHERE checkpoint_id = 1",
        )
      }),
  )

  it("the MERGE's guard and SQLite's upsert agree with 'never backwards' for any stored and completed week", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 60 }), async (stored, completed) => {
        const storedWeek = weekAt(stored)
        const completedWeek = weekAt(completed)
        // Oracle: the checkpoint moves when the week after the completed one starts later than the stored one.
        const moves = completed + 7 > stored
        const expected = moves ? completedWeek.next : storedWeek

        const onSqlite = await Effect.runPromise(
          Effect.gen(function* () {
            const warehouse = yield* Warehouse
            yield* warehouse.advanceCheckpoint(weekAt(stored - 7))
            yield* warehouse.advanceCheckpoint(completedWeek)
            return Option.map(yield* warehouse.readCheckpoint, (c) => c.next)
          }).pipe(onMigratedSqlite(() => ":memory:")),
        )
        assert.deepStrictEqual(onSqlite, Option.some(expected), "SQLite")

        const { log } = await Effect.runPromise(
          advanceOnMssql(completedWeek).pipe(Effect.provide(TestContext.TestContext)),
        )
        assert.strictEqual(mergeGuard(inlined(log[0] ?? assert.fail("no MERGE")))(storedWeek.start), moves, "T-SQL")
      }),
      { numRuns: 40 },
    )
  })

  it.effect("a week's load deletes that week's rows alone, then inserts each row with its own values", () =>
    Effect.gen(function* () {
      const row = eventRow({
        event_time: Date.parse("2019-12-02T10:00:00.123Z") * 1000 + 456,
        price: 1100.28,
        brand: "Lé",
      })
      const { result, log } = yield* runOnMssql(Effect.flatMap(Warehouse, (w) => w.loadWeek(WEEK, Stream.make(row))))
      assert.deepStrictEqual(result, Either.right(1))
      for (const statement of log) {
        assertTsqlShape(statement)
        assertTyped(statement)
      }
      const [, del, insert] = log.map(inlined)
      assert.strictEqual(del, "DELETE FROM [dbo].[ecom_events] WHERE batch_week_start = Date'2019-12-01'")
      assert.include(insert, `VALUES (DateTime2'2019-12-02 10:00:00.123456',NVarChar'${row.event_type}',`)
      assert.include(insert, ",Float(1100.28),")
      assert.include(insert, "NVarChar'Lé'")
      assert.include(insert, ",Date'2019-12-01',Date'2019-12-07',")
    }),
  )
})
