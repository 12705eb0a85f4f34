import { createRequire } from "node:module"

interface Database {
  prepare(sql: string): { all(): Array<Record<string, unknown>> }
  close(): void
}
const Database = createRequire(import.meta.url)("better-sqlite3") as new (
  filename: string,
  options: { readonly: boolean },
) => Database

/** The rows a query answers, read with a connection of its own (the one under test may still be open). */
export const readRows = (filename: string, sql: string): Array<Record<string, unknown>> => {
  const db = new Database(filename, { readonly: true })
  try {
    return db.prepare(sql).all()
  } finally {
    db.close()
  }
}

/** Every row of a table, in insertion order. */
export const readTable = (filename: string, table: string): Array<Record<string, unknown>> =>
  readRows(filename, `SELECT * FROM ${table} ORDER BY rowid`)
