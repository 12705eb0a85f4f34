import { NodeFileSystem } from "@effect/platform-node"
import type { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import type { EventRow } from "../../src/domain/OutputRows.js"
import { parseWeek, type Week } from "../../src/domain/Week.js"
import * as SqlClientSqlite from "../../src/layers/warehouse/SqlClientSqlite.js"
import * as WarehouseSql from "../../src/layers/warehouse/WarehouseSql.js"
import { Warehouse } from "../../src/services/Warehouse.js"
import { tempDir as makeTempDir } from "./TempDir.js"

export const week = (start: string, end: string): Week => {
  const parsed = parseWeek(start, end)
  if (parsed._tag === "Left") throw parsed.left
  return parsed.right
}

export const WEEK = week("2019-12-01", "2019-12-07")

/** Epoch microseconds of an ISO-8601 UTC time with up to six fractional digits. */
export const micros = (iso: string): number => {
  const [whole, fraction = ""] = iso.replace("Z", "").split(".")
  return Date.parse(`${whole}Z`) * 1000 + Number(fraction.padEnd(6, "0"))
}

export const eventRow = (overrides: Partial<EventRow> = {}, inWeek: Week = WEEK): EventRow => ({
  event_time: micros("2019-12-01T10:00:00Z"),
  event_type: "view",
  product_id: "1005115",
  category_id: "2053013555631882655",
  category_code: "electronics.smartphone",
  brand: "apple",
  price: 1100.28,
  user_id: "5200000000000000001",
  user_session: "26dd6e6e-4dac-4778-8d2c-92e149dab885",
  batch_week_start: inWeek.start,
  batch_week_end: inWeek.end,
  ingested_at: micros("2019-12-08T06:00:00.123456Z"),
  ...overrides,
})

export const tempDir = (prefix = "retl-wh-") => makeTempDir(prefix)

/** The SQL warehouse over a real SQLite database (a file or `:memory:`), its client exposed too. */
export const sqliteWarehouse = (path: string, options: WarehouseSql.WarehouseSqlOptions = {}) =>
  WarehouseSql.layerWith(options).pipe(
    Layer.provideMerge(SqlClientSqlite.layer(path)),
    Layer.provide(NodeFileSystem.layer),
  )

/** Every suite of the SQL warehouse runs on both: a file in a fresh directory, and `:memory:`. */
export const SQLITE_TARGETS: ReadonlyArray<readonly [string, () => string]> = [
  ["a file", () => `${tempDir()}/nested/dir/warehouse.sqlite`],
  ["memory", () => ":memory:"],
]

/** Runs `self` on a freshly migrated warehouse at `path`, with small pages and batches. */
export const onMigratedSqlite =
  (path: () => string) =>
  <A, E>(self: Effect.Effect<A, E, Warehouse | SqlClient.SqlClient>) =>
    Effect.gen(function* () {
      yield* (yield* Warehouse).migrate
      return yield* self
    }).pipe(Effect.provide(sqliteWarehouse(path(), { exportPageSize: 3, insertBatchRows: 7 })))
