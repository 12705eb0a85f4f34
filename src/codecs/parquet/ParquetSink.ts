import { createHash } from "node:crypto"
import { FileSystem } from "@effect/platform"
import type { Scope } from "effect"
import { Effect } from "effect"
import type { SchemaElement } from "hyparquet"
import type { LocalStorageError } from "../../domain/Errors.js"
import { localStorageError } from "../../platform/Files.js"
import { type EncodedRowGroup, RowGroupAssembler } from "./RowGroups.js"

/** What became of a finished file: its rows, size and SHA-256, digested as it was written. */
export interface SinkSummary {
  readonly rows: number
  readonly sizeBytes: number
  readonly sha256: string
}

/** A Parquet file being written row group by row group; only the footer waits for `finish`. */
export interface ParquetSink {
  readonly append: (group: EncodedRowGroup) => Effect.Effect<void, LocalStorageError>
  /** Writes the footer and flushes the file to disk. */
  readonly finish: Effect.Effect<SinkSummary, LocalStorageError>
}

/**
 * Opens `path` (a temp file: the caller renames it into place) for a Parquet file of `schema`.
 * `label` is the file's final path, for error messages.
 */
export const openParquetSink = (
  path: string,
  schema: ReadonlyArray<SchemaElement>,
  label: string = path,
): Effect.Effect<ParquetSink, LocalStorageError, FileSystem.FileSystem | Scope.Scope> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const file = yield* fs.open(path, { flag: "w" }).pipe(Effect.mapError(localStorageError("create", label)))
    const assembler = new RowGroupAssembler(schema)
    const hash = createHash("sha256")
    let sizeBytes = 0
    const write = (bytes: Uint8Array) => {
      hash.update(bytes)
      sizeBytes += bytes.length
      return file.writeAll(bytes).pipe(Effect.mapError(localStorageError("write", label)))
    }
    yield* write(assembler.header())
    return {
      append: (group) => Effect.suspend(() => write(assembler.append(group))),
      finish: Effect.suspend(() => write(assembler.finish())).pipe(
        Effect.zipRight(file.sync.pipe(Effect.mapError(localStorageError("flush", label)))),
        Effect.map(() => ({ rows: assembler.rows, sizeBytes, sha256: hash.digest("hex") })),
      ),
    }
  })
