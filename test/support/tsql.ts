import { Effect, Layer } from "effect"
import * as WarehouseSql from "../../src/layers/warehouse/WarehouseSql.js"
import type { Warehouse } from "../../src/services/Warehouse.js"
import { isMssqlParam, type Recorded, type Responder, recordingMssqlClient } from "./RecordingSqlClient.js"
import { assert } from "./vitest.js"

const SQLITE_ISMS = [/\bAUTOINCREMENT\b/i, /\bLIMIT\b/, /\bRETURNING\b/, /\bON CONFLICT\b/, /\|\|/, /strftime/, /"/]

/** What T-SQL needs of any statement we send, whatever it does. */
export const assertTsqlShape = ({ sql, params }: Recorded) => {
  for (const pattern of SQLITE_ISMS) assert.notMatch(sql, pattern, `SQLite syntax in: ${sql}`)
  assert.notInclude(sql, "?", `positional placeholder in: ${sql}`)
  const withoutStrings = sql.replace(/N?'(?:[^']|'')*'/g, "''")
  let depth = 0
  let lowest = 0
  for (const c of withoutStrings) {
    depth += c === "(" ? 1 : c === ")" ? -1 : 0
    lowest = Math.min(lowest, depth)
  }
  assert.strictEqual(lowest, 0, `unbalanced parentheses in: ${sql}`)
  assert.strictEqual(depth, 0, `unbalanced parentheses in: ${sql}`)
  assert.strictEqual((sql.match(/'/g) ?? []).length % 2, 0, `unbalanced quotes in: ${sql}`)
  const placeholders = [...sql.matchAll(/@(\d+)\b/g)].map((m) => Number(m[1]))
  assert.deepStrictEqual(
    [...new Set(placeholders)].sort((a, b) => a - b),
    Array.from({ length: params.length }, (_, i) => i + 1),
    `placeholders do not match the ${params.length} parameters of: ${sql.slice(0, 200)}`,
  )
  assert.isAtMost(params.length, 2100, "SQL Server refuses more than 2,100 parameters")
  // Every table and view we touch is schema-qualified.
  for (const m of sql.matchAll(/\b(?:FROM|INTO|UPDATE|MERGE|JOIN|TABLE|VIEW|ON)\s+(\[?\w+\]?(?:\.\[?\w+\]?)?)/gi)) {
    const name = m[1] as string
    if (/^(pipeline_|ecom_events|vw_salesforce|effect_sql)/i.test(name.replace(/[[\]]/g, ""))) {
      assert.fail(`${name} is not qualified with dbo in: ${sql}`)
    }
  }
}

/** Our own statements bind every value with an explicit type; the driver's defaults are never used. */
export const assertTyped = ({ sql, params }: Recorded) => {
  if (sql.includes("effect_sql_migrations")) return
  // One assertion per statement: its message (with the whole statement) is built once, not per parameter.
  const at = params.findIndex((param) => !isMssqlParam(param))
  assert.strictEqual(at, -1, `untyped parameter @${at + 1} ${String(params[at])} in: ${sql}`)
}

export const typeNames = (params: ReadonlyArray<unknown>) => params.map((p) => (isMssqlParam(p) ? p.i0.name : typeof p))

/** Runs `self` on the SQL warehouse over the recording SQL Server client: its result and every statement sent. */
export const runOnMssql = <A, E>(self: Effect.Effect<A, E, Warehouse>, respond?: Responder) =>
  Effect.suspend(() => {
    const log: Array<Recorded> = []
    return self.pipe(
      Effect.either,
      Effect.provide(
        WarehouseSql.layerWith({ exportPageSize: 2 }).pipe(Layer.provide(recordingMssqlClient(log, respond))),
      ),
      Effect.map((result) => ({ result, log })),
    )
  })

const two = (n: number) => String(n).padStart(2, "0")

/** A bound value as a T-SQL typed literal, written from the value tedious receives and its type. */
export const literalOf = (param: unknown): string => {
  if (!isMssqlParam(param)) return `untyped(${JSON.stringify(param)})`
  const type = param.i0.name
  const value = param.i1
  if (value === null || value === undefined) return `${type}(NULL)`
  if (value instanceof Date) {
    if (type === "Date") return `Date'${value.toISOString().slice(0, 10)}'`
    const delta = (value as Date & { nanosecondDelta?: number }).nanosecondDelta ?? 0
    const micros = value.getUTCMilliseconds() * 1000 + Math.round(delta * 1_000_000)
    const d = value
    const date = `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`
    const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`
    return `${type}'${date} ${time}.${String(micros).padStart(6, "0")}'`
  }
  if (typeof value === "string") return `${type}'${value.replace(/'/g, "''")}'`
  return `${type}(${String(value)})`
}

/** The statement with each `@n` replaced by its bound value as a typed literal: what the server evaluates. */
export const inlined = ({ sql, params }: Recorded): string =>
  sql.replace(/@(\d+)\b/g, (_, n: string) => literalOf(params[Number(n) - 1]))
