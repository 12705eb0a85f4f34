import { closeSync, openSync, readSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { FileSystem } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import { Chunk, Effect, Stream } from "effect"
import { BufferPool, lineRanges, RangeReader, readPieces } from "../../../src/program/transform/LineBatches.js"
import { tempDir as makeTempDir } from "../../support/TempDir.js"
import { assert, describe, it } from "../../support/vitest.js"

const withFile = (content: string | Uint8Array) => {
  const path = join(makeTempDir("retl-lines-"), "raw.ndjson")
  writeFileSync(path, content)
  return path
}

/** The ranges of `content`, and each range's text as read back in pieces (each piece whole lines). */
const cut = (content: string | Uint8Array, linesPerRange: number) =>
  Effect.scoped(
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const path = withFile(content)
      const ranges = Chunk.toArray(yield* Stream.runCollect(lineRanges(yield* fs.open(path), linesPerRange)))
      const file = yield* fs.open(path)
      const pool = new BufferPool()
      const texts: Array<Array<string>> = []
      const fd = openSync(path, "r")
      yield* Effect.addFinalizer(() => Effect.sync(() => closeSync(fd)))
      const reader = new RangeReader((buffer, position) => readSync(fd, buffer, 0, buffer.length, position))
      const synchronous: Array<Array<string>> = []
      for (const range of ranges) {
        const pieces: Array<string> = []
        reader.read(range, (piece) => pieces.push(Buffer.from(piece).toString("utf8")))
        synchronous.push(pieces)
      }
      for (const range of ranges) {
        const pieces: Array<string> = []
        yield* readPieces(file, range, pool, (piece) =>
          Effect.sync(() => {
            pieces.push(Buffer.from(piece).toString("utf8"))
            pool.give(piece.buffer as ArrayBuffer)
          }),
        )
        texts.push(pieces)
      }
      // A worker reads its ranges with RangeReader: the same pieces as readPieces.
      assert.deepStrictEqual(synchronous, texts)
      return { ranges, texts }
    }),
  ).pipe(Effect.provide(NodeFileSystem.layer))

describe("line ranges and pieces", () => {
  it.effect("cut a file into ranges of whole lines, numbered from 0", () =>
    Effect.gen(function* () {
      const { ranges, texts } = yield* cut("a\nbb\nccc\nd\ne\n", 2)
      assert.deepStrictEqual(ranges, [
        { start: 0, end: 5, firstLine: 0, lines: 2 },
        { start: 5, end: 11, firstLine: 2, lines: 2 },
        { start: 11, end: 13, firstLine: 4, lines: 1 },
      ])
      assert.deepStrictEqual(texts, [["a\nbb\n"], ["ccc\nd\n"], ["e\n"]])
    }),
  )

  it.effect("count text after the last newline as a line, and an empty line as one", () =>
    Effect.gen(function* () {
      const { ranges } = yield* cut("a\r\n\nb", 10)
      assert.deepStrictEqual(ranges, [{ start: 0, end: 5, firstLine: 0, lines: 3 }])
      assert.deepStrictEqual((yield* cut("", 10)).ranges, [])
    }),
  )

  it.effect("read a line longer than a piece whole, and never split a line between pieces", () =>
    Effect.gen(function* () {
      const long = "x".repeat(3 * 1024 * 1024 + 17)
      const lines = ["short", long, "y".repeat(700_000), "tail"]
      const { ranges, texts } = yield* cut(`${lines.join("\n")}\n`, 1000)
      assert.strictEqual(ranges[0]?.lines, 4)
      const pieces = texts[0] ?? []
      assert.isAbove(pieces.length, 1)
      assert.isTrue(pieces.every((piece) => piece.endsWith("\n")))
      assert.deepStrictEqual(pieces.join("").split("\n").slice(0, -1), lines)
    }),
  )
})
