import { existsSync } from "node:fs"
import { NodeFileSystem } from "@effect/platform-node"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import * as SqlClientSqlite from "../../../src/layers/warehouse/SqlClientSqlite.js"
import { jsonLines, runCli } from "../../support/cli.js"
import { assert, describe, it } from "../../support/vitest.js"
import { tempDir } from "../../support/warehouse.js"

const tablesOf = (path: string) =>
  Effect.flatMap(
    SqlClient.SqlClient,
    (sql) => sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name`,
  ).pipe(
    Effect.map((rows) => rows.map((r) => r.name)),
    Effect.provide(SqlClientSqlite.layer(path)),
    Effect.provide(NodeFileSystem.layer),
  )

describe("reverse-etl db migrate", () => {
  it.live("is listed under db in --help", () =>
    Effect.gen(function* () {
      const result = yield* runCli(["db", "--help"])
      assert.strictEqual(result.code, 0)
      assert.include(result.stdout, "migrate")
    }),
  )

  it.live("creates the SQLite warehouse and its directory, then finds it up to date", () =>
    Effect.gen(function* () {
      const path = `${tempDir()}/state/warehouse.sqlite`
      const first = yield* runCli(["db", "migrate"], { env: { SQLITE_PATH: path } })
      assert.strictEqual(first.code, 0, first.stderr)
      assert.strictEqual(first.stdout.trim(), "applied 0001_core\napplied 0002_salesforce_sync")
      assert.isTrue(existsSync(path))
      assert.includeMembers(yield* tablesOf(path), [
        "ecom_events",
        "pipeline_checkpoint",
        "pipeline_run",
        "pipeline_stage",
        "vw_salesforce_customer_weekly_export",
      ])
      const logs = jsonLines(first.stderr)
      assert.isTrue(logs.some((l) => l.message === "db migrate succeeded" && l.warehouse === "sqlite"))
      const second = yield* runCli(["db", "migrate", "--log-format", "text"], { env: { SQLITE_PATH: path } })
      assert.strictEqual(second.code, 0, second.stderr)
      assert.strictEqual(second.stdout.trim(), "the warehouse schema is up to date")
    }),
  )

  it.live("exits 1 with a WarehouseError when Azure SQL cannot be reached, never printing the password", () =>
    Effect.gen(function* () {
      const result = yield* runCli(["db", "migrate"], {
        env: {
          WAREHOUSE: "mssql",
          AZURE_SQL_SERVER: "127.0.0.1",
          AZURE_SQL_PORT: "9",
          AZURE_SQL_DATABASE: "retl",
          AZURE_SQL_USERNAME: "etl",
          AZURE_SQL_PASSWORD: "Pa55-w0rd-never-logged",
        },
      })
      assert.strictEqual(result.code, 1)
      const failure = jsonLines(result.stderr).find((l) => l.level === "ERROR")
      assert.strictEqual(failure?.error_type, "WarehouseError")
      assert.deepInclude(failure?.error_details as object, { operation: "connect", server: "127.0.0.1" })
      assert.notInclude(result.stderr + result.stdout, "Pa55-w0rd-never-logged")
    }),
  )
})
