import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

type ColumnType = "jobId" | "key" | "hash" | "name" | "date" | "timestamp" | "count" | "text"

/** Each type as SQL Server (under dbo, Unicode) and SQLite spell it. */
const TYPES: Record<ColumnType, { readonly mssql: string; readonly sqlite: string }> = {
  jobId: { mssql: "NVARCHAR(18)", sqlite: "TEXT" },
  key: { mssql: "NVARCHAR(255)", sqlite: "TEXT" },
  hash: { mssql: "CHAR(64)", sqlite: "TEXT" },
  name: { mssql: "NVARCHAR(80)", sqlite: "TEXT" },
  date: { mssql: "DATE", sqlite: "TEXT" },
  timestamp: { mssql: "DATETIME2(3)", sqlite: "TEXT" },
  count: { mssql: "INT", sqlite: "INTEGER" },
  text: { mssql: "NVARCHAR(MAX)", sqlite: "TEXT" },
}

interface Table {
  readonly name: string
  readonly columns: ReadonlyArray<readonly [name: string, type: ColumnType, nullable?: "null"]>
  readonly primaryKey: ReadonlyArray<string>
  readonly indexes?: ReadonlyArray<ReadonlyArray<string>>
}

const TABLES: ReadonlyArray<Table> = [
  {
    // A Bulk job, recorded before its data goes up; `collected_at` stays null until its results are stored.
    name: "salesforce_sync_job",
    columns: [
      ["job_id", "jobId"],
      ["run_id", "key"],
      ["week_start", "date"],
      ["week_end", "date"],
      ["object_name", "name"],
      ["state", "name"],
      ["record_count", "count"],
      ["error_message", "text", "null"],
      ["created_at", "timestamp"],
      ["updated_at", "timestamp"],
      ["collected_at", "timestamp", "null"],
    ],
    primaryKey: ["job_id"],
    indexes: [["object_name", "collected_at"]],
  },
  {
    // The rows of a job not collected yet, with the hash they were sent with.
    name: "salesforce_sync_job_row",
    columns: [
      ["job_id", "jobId"],
      ["external_id", "key"],
      ["content_hash", "hash"],
    ],
    primaryKey: ["job_id", "external_id"],
  },
  {
    // What each external id last reached Salesforce with.
    name: "salesforce_sync_state",
    columns: [
      ["external_id", "key"],
      ["content_hash", "hash"],
      ["salesforce_id", "jobId", "null"],
      ["run_id", "key"],
      ["job_id", "jobId"],
      ["synced_at", "timestamp"],
    ],
    primaryKey: ["external_id"],
  },
  {
    // What became of every row sent, per job.
    name: "salesforce_sync_result",
    columns: [
      ["run_id", "key"],
      ["job_id", "jobId"],
      ["external_id", "key"],
      ["salesforce_id", "jobId", "null"],
      ["outcome", "name"],
      ["error_code", "name", "null"],
      ["error_message", "text", "null"],
      ["recorded_at", "timestamp"],
    ],
    primaryKey: ["job_id", "external_id"],
    indexes: [["run_id"]],
  },
]

/** The DDL of the Salesforce sync's tables in one dialect. */
export const salesforceSyncDdl = (dialect: "mssql" | "sqlite"): ReadonlyArray<string> =>
  TABLES.flatMap((table) => {
    const name = dialect === "mssql" ? `dbo.${table.name}` : table.name
    const columns = table.columns.map(
      ([column, type, nullable]) => `${column} ${TYPES[type][dialect]} ${nullable === "null" ? "NULL" : "NOT NULL"}`,
    )
    const key = `CONSTRAINT pk_${table.name} PRIMARY KEY (${table.primaryKey.join(", ")})`
    return [
      `CREATE TABLE ${name} (${[...columns, key].join(", ")})`,
      ...(table.indexes ?? []).map(
        (index) => `CREATE INDEX ix_${table.name}_${index.join("_")} ON ${name} (${index.join(", ")})`,
      ),
    ]
  })

/** The job ledger, the sync state and the per-row results of the Salesforce sync. */
export default Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const dialect = sql.onDialectOrElse({ mssql: () => "mssql" as const, orElse: () => "sqlite" as const })
  for (const statement of salesforceSyncDdl(dialect)) yield* sql.unsafe(statement)
})
