import { FileSystem } from "@effect/platform"
import { Effect, Stream } from "effect"
import type { LocalStorageError } from "../../domain/Errors.js"
import type { Week } from "../../domain/Week.js"
import { localStorageError, writeFileAtomic } from "../../platform/Files.js"
import type { JobPayload, PlanTally } from "./SyncPlan.js"

export interface DryRunOutput {
  readonly files: ReadonlyArray<string>
  readonly rows: number
}

const csvName = (index: number) => `salesforce_upsert_${String(index).padStart(4, "0")}.csv`
const isPreviewCsv = (name: string) => /^salesforce_upsert_\d+\.csv$/.test(name)

/** An earlier dry run's CSVs go first: the directory then holds this preview's only, even when it sends nothing. */
const removeEarlierPreview = (dir: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const present = yield* fs.exists(dir).pipe(Effect.mapError(localStorageError("find", dir)))
    if (!present) return
    const names = yield* fs.readDirectory(dir).pipe(Effect.mapError(localStorageError("read", dir)))
    for (const name of names.filter(isPreviewCsv)) {
      yield* fs.remove(`${dir}/${name}`).pipe(Effect.mapError(localStorageError("remove", `${dir}/${name}`)))
    }
  })

/**
 * Writes each job's CSV exactly as it would be uploaded (an earlier preview's CSVs removed first),
 * then `salesforce_dry_run.json` with the counts and the file names. Salesforce is never called.
 */
export const writeDryRun = <E, R>(
  jobs: Stream.Stream<JobPayload, E, R>,
  tally: PlanTally,
  context: { readonly outputDir: string; readonly week: Week; readonly objectName: string },
): Effect.Effect<DryRunOutput, E | LocalStorageError, R | FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const dir = `${context.outputDir.replace(/\/+$/, "")}/salesforce_dry_run`
    yield* removeEarlierPreview(dir)
    const written = yield* jobs.pipe(
      Stream.mapEffect((job) => {
        const path = `${dir}/${csvName(job.index)}`
        return writeFileAtomic(path, job.csv).pipe(Effect.as({ path, rows: job.rows.length }))
      }),
      Stream.runCollect,
    )
    const files = [...written].map((w) => w.path)
    const rows = [...written].reduce((n, w) => n + w.rows, 0)
    const summary = {
      week_start: context.week.start,
      week_end: context.week.end,
      object: context.objectName,
      new_count: tally.newRows,
      changed_count: tally.changedRows,
      unchanged_count: tally.unchangedRows,
      duplicate_count: tally.duplicateRows,
      rows_to_send: rows,
      files: files.map((f) => f.slice(dir.length + 1)),
    }
    yield* writeFileAtomic(`${dir}/salesforce_dry_run.json`, `${JSON.stringify(summary, null, 2)}\n`)
    return { files, rows }
  })
