import { createRequire } from "node:module"

interface Database {
  prepare(sql: string): { all(): Array<Record<string, unknown>>; run(...params: ReadonlyArray<unknown>): unknown }
  close(): void
}
const Database = createRequire(import.meta.url)("better-sqlite3") as new (
  filename: string,
  options: { readonly: boolean },
) => Database

const withDatabase = <A>(filename: string, readonly: boolean, use: (db: Database) => A): A => {
  const db = new Database(filename, { readonly })
  try {
    return use(db)
  } finally {
    db.close()
  }
}

/** The rows of a query, read with a connection of its own (the one under test may still be open). */
export const readQuery = (filename: string, sql: string): Array<Record<string, unknown>> =>
  withDatabase(filename, true, (db) => db.prepare(sql).all())

/** Every row of a table, read with a connection of its own (the one under test may still be open). */
export const readTable = (filename: string, table: string): Array<Record<string, unknown>> =>
  readQuery(filename, `SELECT * FROM ${table} ORDER BY rowid`)

/** Runs one statement with a connection of its own, as an operator at a SQL prompt would. */
export const runStatement = (filename: string, sql: string, ...params: ReadonlyArray<unknown>): void =>
  withDatabase(filename, false, (db) => void db.prepare(sql).run(...params))
