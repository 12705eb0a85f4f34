import { SqlClient } from "@effect/sql"
import { Chunk, Effect, Stream } from "effect"
import { formatMicros } from "../../../src/domain/EventTime.js"
import { Warehouse } from "../../../src/services/Warehouse.js"
import { assert, describe, it } from "../../support/vitest.js"
import { eventRow, micros, onMigratedSqlite, SQLITE_TARGETS, WEEK, week } from "../../support/warehouse.js"

const NEXT = week("2019-12-08", "2019-12-14")

const countRows = (start: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.map(
      sql<{ n: number }>`SELECT COUNT(*) AS n FROM ecom_events WHERE batch_week_start = ${start}`,
      (rows) => rows[0]?.n ?? -1,
    ),
  )

const exported = (w = WEEK) =>
  Effect.flatMap(Warehouse, (warehouse) => Stream.runCollect(warehouse.exportRows(w))).pipe(
    Effect.map(Chunk.toReadonlyArray),
  )

describe.each(SQLITE_TARGETS)("SQL warehouse on SQLite (%s): week load and export view", (_, path) => {
  const provide = onMigratedSqlite(path)

  it.effect("loads a week exactly: ids, prices, nulls and microseconds survive; a re-run never doubles it", () =>
    Effect.gen(function* () {
      const warehouse = yield* Warehouse
      const sql = yield* SqlClient.SqlClient
      const rows = Array.from({ length: 20 }, (_, i) =>
        eventRow({
          user_id: `52000000000000000${String(i % 3).padStart(2, "0")}`,
          event_time: micros("2019-12-02T00:00:00.000001Z") + i,
        }),
      )
      rows.push(eventRow({ product_id: null, category_code: null, brand: null, price: null, user_session: null }))
      assert.strictEqual(yield* warehouse.loadWeek(WEEK, Stream.fromIterable(rows)), 21)
      assert.strictEqual(yield* warehouse.loadWeek(WEEK, Stream.fromIterable(rows)), 21)
      assert.strictEqual(yield* countRows(WEEK.start), 21)
      const [first] = yield* sql`SELECT * FROM ecom_events WHERE product_id IS NOT NULL ORDER BY event_time LIMIT 1`
      assert.deepStrictEqual(first, { ...rows[0] })
      const [nulls] = yield* sql`SELECT * FROM ecom_events WHERE product_id IS NULL`
      assert.deepStrictEqual(nulls, { ...rows[20] })
    }).pipe(provide),
  )

  it.effect("replaces only its own week", () =>
    Effect.gen(function* () {
      const warehouse = yield* Warehouse
      yield* warehouse.loadWeek(WEEK, Stream.make(eventRow(), eventRow()))
      yield* warehouse.loadWeek(NEXT, Stream.make(eventRow({}, NEXT)))
      yield* warehouse.loadWeek(WEEK, Stream.make(eventRow()))
      assert.strictEqual(yield* countRows(WEEK.start), 1)
      assert.strictEqual(yield* countRows(NEXT.start), 1)
    }).pipe(provide),
  )

  it.effect("keeps the week as it was when the stream fails halfway, or a row belongs to another week", () =>
    Effect.gen(function* () {
      const warehouse = yield* Warehouse
      yield* warehouse.loadWeek(WEEK, Stream.make(eventRow(), eventRow(), eventRow()))
      const broken = Stream.fromIterable(Array.from({ length: 30 }, () => eventRow())).pipe(
        Stream.concat(Stream.fail("parquet row group 3 is corrupt" as const)),
      )
      assert.strictEqual(yield* Effect.flip(warehouse.loadWeek(WEEK, broken)), "parquet row group 3 is corrupt")
      assert.strictEqual(yield* countRows(WEEK.start), 3)
      const error = yield* Effect.flip(warehouse.loadWeek(WEEK, Stream.make(eventRow(), eventRow({}, NEXT))))
      assert.strictEqual(error._tag, "WarehouseError")
      assert.include(error.message, "row 1 belongs to week 2019-12-08..2019-12-14")
      assert.strictEqual(yield* countRows(WEEK.start), 3)
    }).pipe(provide),
  )

  it.effect("exports one row per customer per week, identical in shape to the sync's input", () =>
    Effect.gen(function* () {
      const warehouse = yield* Warehouse
      const alice = "5200000000000000001"
      const bob = "5200000000000000002"
      const t = (iso: string) => micros(iso)
      yield* warehouse.loadWeek(
        WEEK,
        Stream.make(
          eventRow({
            user_id: alice,
            event_type: "view",
            event_time: t("2019-12-01T00:00:03Z"),
            user_session: "s1",
            product_id: "p1",
          }),
          eventRow({
            user_id: alice,
            event_type: "cart",
            event_time: t("2019-12-02T10:00:00Z"),
            user_session: "s1",
            product_id: "p1",
          }),
          eventRow({
            user_id: alice,
            event_type: "remove_from_cart",
            event_time: t("2019-12-03T10:00:00Z"),
            user_session: "s2",
            product_id: "p2",
          }),
          eventRow({
            user_id: alice,
            event_type: "purchase",
            event_time: t("2019-12-04T10:00:00Z"),
            price: 1100.28,
            user_session: "s2",
            product_id: "p1",
          }),
          eventRow({
            user_id: alice,
            event_type: "purchase",
            event_time: t("2019-12-07T23:59:59.999999Z"),
            price: 0.1,
            user_session: null,
            product_id: null,
          }),
          eventRow({
            user_id: alice,
            event_type: "purchase",
            event_time: t("2019-12-05T10:00:00Z"),
            price: 0.2,
            user_session: "s3",
            product_id: "p3",
          }),
          eventRow({ user_id: bob, event_type: "view", event_time: t("2019-12-06T08:30:00.25Z"), price: null }),
        ),
      )
      yield* warehouse.loadWeek(NEXT, Stream.make(eventRow({ user_id: alice }, NEXT)))
      const rows = yield* exported()
      assert.deepStrictEqual(rows, [
        {
          external_signal_id: `${alice}:2019-12-01`,
          user_id: alice,
          week_start: "2019-12-01",
          week_end: "2019-12-07",
          event_count: 6,
          view_count: 1,
          cart_count: 1,
          remove_from_cart_count: 1,
          purchase_count: 3,
          purchase_revenue: 1100.58,
          session_count: 3,
          product_count: 3,
          first_event_at: "2019-12-01T00:00:03.000000Z",
          last_event_at: "2019-12-07T23:59:59.999999Z",
        },
        {
          external_signal_id: `${bob}:2019-12-01`,
          user_id: bob,
          week_start: "2019-12-01",
          week_end: "2019-12-07",
          event_count: 1,
          view_count: 1,
          cart_count: 0,
          remove_from_cart_count: 0,
          purchase_count: 0,
          purchase_revenue: 0,
          session_count: 1,
          product_count: 1,
          first_event_at: formatMicros(t("2019-12-06T08:30:00.25Z")),
          last_event_at: "2019-12-06T08:30:00.250000Z",
        },
      ])
    }).pipe(provide),
  )

  it.effect("streams every customer across many pages and leaves no snapshot behind", () =>
    Effect.gen(function* () {
      const warehouse = yield* Warehouse
      const sql = yield* SqlClient.SqlClient
      const users = Array.from({ length: 10 }, (_, i) => `52000000000000000${String(i).padStart(2, "0")}`)
      yield* warehouse.loadWeek(
        WEEK,
        Stream.fromIterable(users.flatMap((user_id) => [eventRow({ user_id }), eventRow({ user_id })])),
      )
      const rows = yield* exported()
      assert.deepStrictEqual(
        rows.map((r) => r.user_id),
        users,
      )
      assert.isTrue(rows.every((r) => r.event_count === 2))
      assert.deepStrictEqual(yield* sql`SELECT name FROM sqlite_temp_master`, [])
      assert.deepStrictEqual(yield* exported(NEXT), [])
    }).pipe(provide),
  )
})
