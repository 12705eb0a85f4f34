import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { FileSystem } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Either, Layer, LogLevel } from "effect"
import { parseWeek, type Week } from "../../src/domain/Week.js"
import { type WeekPaths, weekPaths } from "../../src/domain/WeekPaths.js"
import * as AppConfigProvider from "../../src/layers/config/AppConfigProvider.js"
import { loggingLayer } from "../../src/program/cli/Logging.js"
import { type TransformOptions, transform, validate } from "../../src/program/stages/Transform.js"
import type { AppConfig } from "../../src/services/AppConfig.js"
import { tempDir as makeTempDir } from "./TempDir.js"

export const WEEK: Week = Either.getOrThrow(parseWeek("2019-11-01", "2019-11-07"))
export const WEEK_START_MS = Date.UTC(2019, 10, 1)

/** `2019-11-28T19:00:00.000000Z`: the run's one ingested_at in tests. */
export const INGESTED_AT_MICROS = Date.UTC(2019, 10, 28, 19) * 1000

/** The paths of `WEEK` under a fresh temp directory. */
export const tempWeek = (week: Week = WEEK): WeekPaths => {
  const root = makeTempDir("retl-transform-")
  const paths = weekPaths(
    {
      localDataDir: join(root, "data"),
      localRejectsDir: join(root, "rejects"),
      stateDir: join(root, "state"),
      lakeBasePath: "lake/events",
      lakeRejectsBasePath: "lake/rejects",
    },
    week,
  )
  mkdirSync(paths.localDir, { recursive: true })
  return paths
}

/** Writes `raw.ndjson` as the extract stage does: one record a line, each line ended. */
export const writeRaw = (paths: WeekPaths, lines: ReadonlyArray<string>): void =>
  writeFileSync(paths.raw, lines.map((line) => `${line}\n`).join(""))

/** Every dataset check, as the transform's "Data quality checks passed" line names them when all passed. */
export const ALL_CHECKS = ["min_valid_rows", "null_user_id", "event_time_in_week", "non_negative_price"]

/** Runs `stage` on the real file system with `settings`, capturing its JSON log lines. */
const runCapturing = <A, E>(
  stage: Effect.Effect<A, E, AppConfig | FileSystem.FileSystem>,
  settings: Record<string, string>,
) => {
  const logs: Array<Record<string, unknown>> = []
  const write = (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>)
  return stage.pipe(
    Effect.either,
    Effect.map((result) => ({ result, logs })),
    Effect.provide(
      Layer.mergeAll(
        NodeFileSystem.layer,
        AppConfigProvider.layerFromMap({ TRANSFORM_WORKERS: "0", ...settings }),
        loggingLayer({ format: "json", level: LogLevel.Info, write }),
      ),
    ),
  )
}

/** Runs the transform stage on the real file system with `settings`, capturing its JSON log lines. */
export const runTransform = (
  paths: WeekPaths,
  settings: Record<string, string> = {},
  options: Partial<TransformOptions> = {},
) => runCapturing(transform(paths, { ingestedAtMicros: INGESTED_AT_MICROS, ...options }), settings)

/** Runs a dry run's transform (validation only, nothing written) the same way. */
export const runValidation = (paths: WeekPaths, settings: Record<string, string> = {}) =>
  runCapturing(validate(paths, { ingestedAtMicros: INGESTED_AT_MICROS }), settings)
