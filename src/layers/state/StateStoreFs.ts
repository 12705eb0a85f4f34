import { FileSystem } from "@effect/platform"
import { Effect, Either, Layer, Option, ParseResult, Schema } from "effect"
import { CheckpointMirror } from "../../domain/CheckpointMirror.js"
import { LocalStorageError } from "../../domain/Errors.js"
import { type StatePaths, statePaths } from "../../domain/WeekPaths.js"
import { AppConfig } from "../../services/AppConfig.js"
import { localStorageError, writeFileAtomic } from "../../platform/Files.js"
import { StateStore } from "../../services/StateStore.js"

const decodeMirror = Schema.decodeUnknownEither(Schema.parseJson(CheckpointMirror))

const queueLines = (text: string): ReadonlyArray<string> => text.split("\n").filter((line) => line.trim() !== "")

/**
 * The state files on local disk. Every change to a file is a rewrite through a temp file and a
 * rename (the queue is small: it holds failed writes only), so a crash at any point leaves the
 * previous file or the new one, and at worst a hidden temp file nobody reads.
 */
const make = (paths: StatePaths) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    // Read-modify-write of the queue must not interleave within a process.
    const lock = yield* Effect.makeSemaphore(1)

    const write = (path: string, text: string) =>
      writeFileAtomic(path, text).pipe(Effect.provideService(FileSystem.FileSystem, fs))

    const readText = (path: string) =>
      fs.readFileString(path).pipe(
        Effect.map(Option.some),
        Effect.catchIf(
          (error) => error._tag === "SystemError" && error.reason === "NotFound",
          () => Effect.succeed(Option.none<string>()),
        ),
        Effect.mapError(localStorageError("read", path)),
      )

    const readQueue = readText(paths.pendingUpdates).pipe(
      Effect.map(Option.match({ onNone: () => [], onSome: queueLines })),
    )

    const writeQueue = (lines: ReadonlyArray<string>) =>
      lines.length === 0
        ? fs
            .remove(paths.pendingUpdates, { force: true })
            .pipe(Effect.mapError(localStorageError("remove", paths.pendingUpdates)))
        : write(paths.pendingUpdates, `${lines.join("\n")}\n`)

    const readCheckpointMirror = Effect.fn("StateStore.readCheckpointMirror")(function* () {
      const text = yield* readText(paths.checkpoint)
      if (Option.isNone(text)) return Option.none<CheckpointMirror>()
      return yield* Either.match(decodeMirror(text.value), {
        onLeft: (error) =>
          Effect.fail(
            new LocalStorageError({
              message: `${paths.checkpoint} is not a checkpoint mirror: ${ParseResult.TreeFormatter.formatErrorSync(error)}`,
              details: { operation: "read", path: paths.checkpoint, reason: "invalid" },
            }),
          ),
        onRight: (mirror) => Effect.succeed(Option.some(mirror)),
      })
    })

    const writeCheckpointMirror = Effect.fn("StateStore.writeCheckpointMirror")((mirror: CheckpointMirror) =>
      write(paths.checkpoint, `${JSON.stringify(mirror, null, 2)}\n`),
    )

    const appendPending = Effect.fn("StateStore.appendPending")((line: string) =>
      line.includes("\n")
        ? Effect.dieMessage("a pending update must be a single line")
        : lock.withPermits(1)(Effect.flatMap(readQueue, (lines) => writeQueue([...lines, line]))),
    )

    const readPending = Effect.fn("StateStore.readPending")(() => readQueue)

    const settlePending = Effect.fn("StateStore.settlePending")((consumed: number, keep: ReadonlyArray<string>) =>
      lock.withPermits(1)(Effect.flatMap(readQueue, (lines) => writeQueue([...keep, ...lines.slice(consumed)]))),
    )

    return StateStore.of({
      readCheckpointMirror: readCheckpointMirror(),
      writeCheckpointMirror,
      appendPending,
      readPending: readPending(),
      settlePending,
    })
  })

/** The state files under STATE_DIR. */
export const layer: Layer.Layer<StateStore, never, FileSystem.FileSystem | AppConfig> = Layer.effect(
  StateStore,
  Effect.flatMap(AppConfig, (settings) => make(statePaths(settings.locations))),
)

/** The same at `paths`, whatever the settings say. */
export const layerAt = (paths: StatePaths): Layer.Layer<StateStore, never, FileSystem.FileSystem> =>
  Layer.effect(StateStore, make(paths))
