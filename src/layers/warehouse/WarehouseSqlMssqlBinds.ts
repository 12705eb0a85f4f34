import { Statement } from "@effect/sql"
import { MssqlTypes } from "@effect/sql-mssql"
import { type Binds, TEXT_LENGTH } from "./WarehouseSqlTypes.js"

/** The segment @effect/sql-mssql binds with the type it carries (what `MssqlClient.param` builds). */
const mssqlParam = (type: unknown, value: unknown, options: Record<string, unknown> = {}): unknown =>
  Statement.custom<Statement.Custom<"MssqlParam", unknown, unknown, unknown>>("MssqlParam")(type, value, options)
    .segments[0]

/** tedious writes sub-millisecond precision from `nanosecondDelta`, in seconds, on the Date it binds. */
const microsToDate = (micros: number): Date => {
  const ms = Math.floor(micros / 1000)
  return Object.assign(new Date(ms), { nanosecondDelta: (micros - ms * 1000) / 1_000_000 })
}

export const mssqlBinds: Binds = {
  text: (value) => mssqlParam(MssqlTypes.NVarChar, value, { length: TEXT_LENGTH }),
  // tedious declares any length above 4,000 `nvarchar(max)` and streams the value in chunks.
  longText: (value) => mssqlParam(MssqlTypes.NVarChar, value, { length: Number.POSITIVE_INFINITY }),
  float: (value) => mssqlParam(MssqlTypes.Float, value),
  int: (value) => mssqlParam(MssqlTypes.Int, value),
  count: (value) => mssqlParam(MssqlTypes.BigInt, value),
  date: (value) => mssqlParam(MssqlTypes.Date, new Date(`${value}T00:00:00.000Z`)),
  micros: (value) => mssqlParam(MssqlTypes.DateTime2, microsToDate(value), { scale: 6 }),
  instant: (value) => mssqlParam(MssqlTypes.DateTime2, value, { scale: 3 }),
}
