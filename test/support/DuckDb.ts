import { DuckDBInstance, type Json } from "@duckdb/node-api"

/**
 * Reads files back with DuckDB, an independent Parquet reader: what it sees is what a warehouse
 * or an analyst would see. Times are shown in UTC.
 */
export const duckQuery = async (sql: string): Promise<Array<Record<string, Json>>> => {
  const instance = await DuckDBInstance.create(":memory:")
  const connection = await instance.connect()
  try {
    await connection.run("SET TimeZone = 'UTC'")
    const reader = await connection.runAndReadAll(sql)
    return reader.getRowObjectsJson()
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}

/**
 * A Parquet file as a table, as it is: without the `week_start=…/week_end=…` directories read as
 * extra columns (DuckDB's hive partitioning would add them).
 */
export const parquet = (path: string): string => `read_parquet('${path}', hive_partitioning = false)`

/** The columns of a Parquet file as DuckDB types them, in order: `[["event_time", "TIMESTAMP WITH TIME ZONE"], ...]`. */
export const duckColumns = async (path: string): Promise<Array<[string, string]>> =>
  (await duckQuery(`DESCRIBE SELECT * FROM ${parquet(path)}`)).map((row) => [
    String(row.column_name),
    String(row.column_type),
  ])
