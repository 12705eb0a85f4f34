import * as Reactivity from "@effect/experimental/Reactivity"
import { FileSystem } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Context, Effect, Layer } from "effect"
import { WarehouseError } from "../../domain/Errors.js"
import { localStorageError } from "../../platform/Files.js"
import { warehouseError } from "./WarehouseSqlErrors.js"

/**
 * WAL (set by the client) lets a reader see the last committed week while a load writes the next;
 * `synchronous = NORMAL` is durable across a process crash in WAL mode and fsyncs at checkpoints
 * only; a 64 MiB page cache keeps the week index in memory during a load; `busy_timeout` makes a
 * second process wait for the writer instead of failing at once.
 */
const PRAGMAS = ["PRAGMA synchronous = NORMAL", "PRAGMA cache_size = -65536", "PRAGMA busy_timeout = 5000"]

const isFile = (path: string) => path !== ":memory:" && !path.startsWith("file:")

const directoryOf = (path: string) => {
  const i = path.lastIndexOf("/")
  return i <= 0 ? undefined : path.slice(0, i)
}

/**
 * The embedded warehouse: one SQLite connection at `path` (SQLITE_PATH), its directory created
 * first, or `:memory:`.
 */
export const layer = (
  path: string,
): Layer.Layer<SqlClient.SqlClient | SqliteClient.SqliteClient, WarehouseError, FileSystem.FileSystem> =>
  Layer.scopedContext(
    Effect.gen(function* () {
      const directory = directoryOf(path)
      if (isFile(path) && directory !== undefined) {
        const fs = yield* FileSystem.FileSystem
        yield* fs.makeDirectory(directory, { recursive: true }).pipe(
          Effect.mapError(localStorageError("create directory", directory)),
          Effect.mapError(
            (error) => new WarehouseError({ message: error.message, details: { ...error.details, operation: "open" } }),
          ),
        )
      }
      const client = yield* SqliteClient.make({ filename: path }).pipe(
        Effect.catchAllDefect((cause) =>
          Effect.fail(
            new WarehouseError({
              message: `could not open the SQLite warehouse at ${path}: ${cause instanceof Error ? cause.message : String(cause)}`,
              details: { operation: "open", path },
            }),
          ),
        ),
      )
      for (const pragma of PRAGMAS) {
        yield* client.unsafe(pragma).pipe(Effect.mapError(warehouseError("open", { path })))
      }
      return Context.make(SqliteClient.SqliteClient, client).pipe(Context.add(SqlClient.SqlClient, client))
    }),
  ).pipe(Layer.provide(Reactivity.layer))

/**
 * The embedded warehouse opened to be read, never changed: for the operator's commands. The file
 * must exist (nothing is created, not even its directory); the journal mode is left as the file
 * has it; `query_only` makes SQLite refuse every write. It is not opened read-only at the file
 * level so that, the last to close, it removes the `-wal` and `-shm` files it needed and leaves
 * the directory as it found it.
 */
export const layerReadOnly = (path: string): Layer.Layer<SqlClient.SqlClient, WarehouseError, FileSystem.FileSystem> =>
  Layer.scopedContext(
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      if (isFile(path)) {
        const found = yield* fs.exists(path).pipe(Effect.orElseSucceed(() => false))
        if (!found) {
          return yield* new WarehouseError({
            message: `there is no SQLite warehouse at SQLITE_PATH=${path}: this command reads one and never creates it; point SQLITE_PATH at the pipeline's warehouse (or WAREHOUSE=mssql at Azure SQL)`,
            details: { operation: "open", setting: "SQLITE_PATH", path, reason: "missing" },
          })
        }
      }
      const client = yield* SqliteClient.make({ filename: path, disableWAL: true }).pipe(
        Effect.catchAllDefect((cause) =>
          Effect.fail(
            new WarehouseError({
              message: `could not open the SQLite warehouse at SQLITE_PATH=${path}: ${cause instanceof Error ? cause.message : String(cause)}`,
              details: { operation: "open", setting: "SQLITE_PATH", path },
            }),
          ),
        ),
      )
      for (const pragma of ["PRAGMA query_only = ON", "PRAGMA busy_timeout = 5000"]) {
        yield* client.unsafe(pragma).pipe(Effect.mapError(warehouseError("open", { path })))
      }
      return Context.make(SqlClient.SqlClient, client)
    }),
  ).pipe(Layer.provide(Reactivity.layer))
