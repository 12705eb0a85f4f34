import { existsSync, readdirSync } from "node:fs"
import { NodeFileSystem } from "@effect/platform-node"
import { Migrator } from "@effect/sql"
import { Effect } from "effect"
import core from "../../../src/layers/warehouse/migrations/0001_core.js"
import * as SqlClientSqlite from "../../../src/layers/warehouse/SqlClientSqlite.js"
import { jsonLines, runCli } from "../../support/cli.js"
import { inProcess, tempRoot } from "../../support/operator.js"
import { readQuery, runStatement } from "../../support/sqlite.js"
import { assert, describe, it } from "../../support/vitest.js"

const failureOf = (stderr: string) => jsonLines(stderr).find((line) => line.level === "ERROR")

const tables = (path: string) =>
  readQuery(path, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").map((r) => r.name)

const COMMANDS = [["status"], ["status", "--json"], ["runs"], ["runs", "show", "some-run"], ["salesforce", "failures"]]

describe("the operator's commands read only", () => {
  it.live("are listed in --help", () =>
    Effect.gen(function* () {
      const result = yield* runCli(["--help"])
      for (const command of ["status", "runs", "salesforce"]) assert.include(result.stdout, `- ${command}`)
    }),
  )

  it.scopedLive(
    "exit 1 naming SQLITE_PATH when there is no warehouse there, and create nothing",
    () =>
      Effect.gen(function* () {
        const root = yield* tempRoot
        const path = `${root}/state/warehouse.sqlite`
        for (const args of COMMANDS) {
          const result = yield* inProcess(args, { SQLITE_PATH: path })
          assert.strictEqual(result.code, 1, args.join(" "))
          assert.strictEqual(result.stdout, "")
          const failure = failureOf(result.stderr)
          assert.strictEqual(failure?.error_type, "WarehouseError")
          assert.include(String(failure?.error_message), `there is no SQLite warehouse at SQLITE_PATH=${path}`)
          assert.deepInclude(failure?.error_details as object, { setting: "SQLITE_PATH", reason: "missing" })
        }
        assert.deepStrictEqual(readdirSync(root), [], "no file, no directory")
      }),
    60_000,
  )

  it.scopedLive(
    "exit 1 on a database with no pipeline tables, saying how to make them, and make none",
    () =>
      Effect.gen(function* () {
        const root = yield* tempRoot
        const path = `${root}/warehouse.sqlite`
        runStatement(path, "CREATE TABLE unrelated (x INTEGER)")
        for (const args of COMMANDS) {
          const result = yield* inProcess(args, { SQLITE_PATH: path })
          assert.strictEqual(result.code, 1)
          assert.strictEqual(
            failureOf(result.stderr)?.error_message,
            `the warehouse (SQLite at SQLITE_PATH=${path}) has no pipeline tables yet: run \`reverse-etl db migrate\` (or a first \`reverse-etl run\`) to create them`,
          )
        }
        assert.deepStrictEqual(tables(path), ["unrelated"])
        assert.deepStrictEqual(readdirSync(root), ["warehouse.sqlite"])
      }),
    60_000,
  )

  it.scopedLive(
    "exit 1 on a warehouse whose schema is behind, naming the missing tables, and never migrate it",
    () =>
      Effect.gen(function* () {
        const root = yield* tempRoot
        const path = `${root}/warehouse.sqlite`
        yield* Migrator.make({})({ loader: Migrator.fromRecord({ "0001_core": core }) }).pipe(
          Effect.provide(SqlClientSqlite.layer(path)),
          Effect.provide(NodeFileSystem.layer),
        )
        const before = tables(path)
        const result = yield* inProcess(["status"], { SQLITE_PATH: path })
        assert.strictEqual(result.code, 1)
        assert.include(
          String(failureOf(result.stderr)?.error_message),
          "lacks salesforce_sync_job, salesforce_sync_result, salesforce_sync_state: its schema is older than this version; run `reverse-etl db migrate`",
        )
        assert.deepStrictEqual(tables(path), before)
        assert.deepStrictEqual(
          readQuery(path, "SELECT migration_id FROM effect_sql_migrations").map((r) => r.migration_id),
          [1],
        )
      }),
    60_000,
  )

  it.live("exit 1 naming the Azure SQL settings when SQL Server cannot be reached, never printing the password", () =>
    Effect.gen(function* () {
      const result = yield* runCli(["status", "--log-format", "json"], {
        env: {
          WAREHOUSE: "mssql",
          AZURE_SQL_SERVER: "127.0.0.1",
          AZURE_SQL_PORT: "9",
          AZURE_SQL_DATABASE: "retl",
          AZURE_SQL_USERNAME: "etl",
          AZURE_SQL_PASSWORD: "Pa55-status-never-shown",
        },
      })
      assert.strictEqual(result.code, 1)
      const failure = failureOf(result.stderr)
      assert.strictEqual(failure?.error_type, "WarehouseError")
      assert.include(
        String(failure?.error_message),
        "cannot reach the warehouse, SQL Server at AZURE_SQL_SERVER=127.0.0.1 AZURE_SQL_PORT=9 AZURE_SQL_DATABASE=retl",
      )
      assert.notInclude(result.stderr + result.stdout, "Pa55-status-never-shown")
    }),
  )

  it.live("exit 1 naming the settings when WAREHOUSE=mssql has no server", () =>
    Effect.gen(function* () {
      const result = yield* inProcess(["status"], { WAREHOUSE: "mssql" })
      assert.strictEqual(result.code, 1)
      assert.strictEqual(
        failureOf(result.stderr)?.error_message,
        "AZURE_SQL_SERVER must be set when WAREHOUSE is mssql; AZURE_SQL_DATABASE must be set when WAREHOUSE is mssql",
      )
    }),
  )

  it.scopedLive(
    "exit 1 naming the flag for a day that is not one, a limit out of range, or a run that is not there",
    () =>
      Effect.gen(function* () {
        const root = yield* tempRoot
        const path = `${root}/warehouse.sqlite`
        const migrate = yield* inProcess(["db", "migrate"], { SQLITE_PATH: path })
        assert.strictEqual(migrate.code, 0, migrate.stderr)
        const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
          [["runs", "--week", "2019-02-30"], '--week must be a date YYYY-MM-DD (got "2019-02-30")'],
          [["salesforce", "failures", "--week", "12/01/2019"], '--week must be a date YYYY-MM-DD (got "12/01/2019")'],
          [["runs", "--limit", "0"], "--limit must be an integer from 1 to 10,000 (got 0)"],
          [
            ["runs", "show", "no-such-run"],
            `RUN_ID "no-such-run" is no run of pipeline_run in the warehouse (SQLite at SQLITE_PATH=${path}); \`reverse-etl runs\` lists them`,
          ],
        ]
        for (const [args, message] of cases) {
          const result = yield* inProcess(args, { SQLITE_PATH: path })
          assert.strictEqual(result.code, 1, args.join(" "))
          assert.strictEqual(failureOf(result.stderr)?.error_message, message)
        }
        const empty = yield* inProcess(["status", "--json"], { SQLITE_PATH: path, STATE_DIR: `${root}/state` })
        assert.strictEqual(empty.code, 0, empty.stderr)
        assert.deepInclude(JSON.parse(empty.stdout), { status: "healthy", checkpoint: null, runs: [] })
        assert.isFalse(existsSync(`${root}/state`), "reading the queue creates no state directory")
      }),
    60_000,
  )
})
