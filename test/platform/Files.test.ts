import { spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import { readdirSync, readFileSync, writeFileSync } from "node:fs"
import { NodeFileSystem } from "@effect/platform-node"
import { Effect } from "effect"
import { atomicWrite, fileFacts, removeAbandonedTemps, writeFileAtomic } from "../../src/platform/Files.js"
import { tempDir as makeTempDir } from "../support/TempDir.js"
import { assert, describe, it } from "../support/vitest.js"

const dir = () => makeTempDir("retl-files-")

describe("Files", () => {
  it.effect("writes a file atomically, creating its directory", () =>
    Effect.gen(function* () {
      const root = dir()
      const path = `${root}/a/b/state.json`
      yield* writeFileAtomic(path, '{"ok":true}')
      assert.strictEqual(readFileSync(path, "utf8"), '{"ok":true}')
      assert.deepStrictEqual(readdirSync(`${root}/a/b`), ["state.json"])
    }).pipe(Effect.provide(NodeFileSystem.layer)),
  )

  it.effect("leaves neither the final file nor a temp file when the write fails", () =>
    Effect.gen(function* () {
      const root = dir()
      const path = `${root}/out.parquet`
      const error = yield* atomicWrite(path, (temp) =>
        Effect.sync(() => writeFileSync(temp, "partial")).pipe(Effect.zipRight(Effect.fail("disk full" as const))),
      ).pipe(Effect.flip)
      assert.strictEqual(error, "disk full")
      assert.deepStrictEqual(readdirSync(root), [])
    }).pipe(Effect.provide(NodeFileSystem.layer)),
  )

  it.effect("keeps the previous file when a rewrite fails", () =>
    Effect.gen(function* () {
      const root = dir()
      const path = `${root}/queue.jsonl`
      yield* writeFileAtomic(path, "old\n")
      yield* atomicWrite(path, () => Effect.fail("boom")).pipe(Effect.ignore)
      assert.strictEqual(readFileSync(path, "utf8"), "old\n")
      assert.deepStrictEqual(readdirSync(root), ["queue.jsonl"])
    }).pipe(Effect.provide(NodeFileSystem.layer)),
  )

  it.effect("writes an empty file", () =>
    Effect.gen(function* () {
      const root = dir()
      yield* writeFileAtomic(`${root}/empty.jsonl`, "")
      assert.strictEqual(readFileSync(`${root}/empty.jsonl`, "utf8"), "")
    }).pipe(Effect.provide(NodeFileSystem.layer)),
  )

  it.effect("removes the temp files of dead writers, and of an earlier process with our pid, never a live write", () =>
    Effect.gen(function* () {
      const root = dir()
      const dead = spawnSync(process.execPath, ["-e", ""]).pid
      const live = process.ppid // the test runner: alive, not us
      const names = {
        dead: `.events.parquet.tmp-${dead}-k3j5x9a1`,
        // In a container every run is pid 1: a file with our pid that we are not writing is an earlier run's.
        earlierUs: `.rejects.parquet.tmp-${process.pid}-a1b2c3d4`,
        live: `.raw.ndjson.tmp-${live}-zz00yy11`,
        visible: `events.parquet.tmp-${dead}-k3j5x9a1`,
        final: "events.parquet",
      }
      for (const name of Object.values(names)) writeFileSync(`${root}/${name}`, "x")
      // A sweep while this process writes a file of the same directory leaves that temp file alone.
      const during = yield* atomicWrite(`${root}/state.json`, (temp) =>
        Effect.gen(function* () {
          writeFileSync(temp, "{}")
          const removed = yield* removeAbandonedTemps(root)
          return { removed, tempKept: readdirSync(root).includes(temp.slice(temp.lastIndexOf("/") + 1)) }
        }),
      )
      assert.deepStrictEqual(during, { removed: 2, tempKept: true })
      assert.deepStrictEqual(
        readdirSync(root).sort(),
        [names.live, names.visible, names.final, "state.json"].sort(),
        "the dead writer's and the earlier run's hidden temp files went; a live process's and anything else stayed",
      )
      assert.strictEqual(yield* removeAbandonedTemps(`${root}/missing`), 0)
    }).pipe(Effect.provide(NodeFileSystem.layer)),
  )

  it.effect("reports size and SHA-256", () =>
    Effect.gen(function* () {
      const root = dir()
      const data = Buffer.alloc(3 * 1024 * 1024 + 7, 7)
      writeFileSync(`${root}/f`, data)
      const facts = yield* fileFacts(`${root}/f`)
      assert.strictEqual(facts.sizeBytes, data.length)
      assert.strictEqual(facts.sha256, createHash("sha256").update(data).digest("hex"))
    }).pipe(Effect.provide(NodeFileSystem.layer)),
  )

  it.effect("names the path when it cannot read", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(fileFacts("/nonexistent/file"))
      assert.strictEqual(error._tag, "LocalStorageError")
      assert.strictEqual(error.details.path, "/nonexistent/file")
    }).pipe(Effect.provide(NodeFileSystem.layer)),
  )
})
