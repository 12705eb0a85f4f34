import { createReadStream } from "node:fs"
import { appendFile, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises"
import { dirname, join } from "node:path"
import { Readable } from "node:stream"

/**
 * Where the emulator keeps committed bytes and its index of paths: in memory (tests) or in a
 * directory (the demo and docker-compose, so the lake survives a restart and can be looked at:
 * `{dir}/{filesystem}/{path}` holds each file's bytes, `{dir}/.adls-index.json` its properties).
 */
export interface AdlsContent {
  /** Bytes `start` to `end` (exclusive) of a committed file. */
  readonly read: (key: string, start: number, end: number) => Readable
  /** Empties the file, or appends `chunks` to it. */
  readonly truncate: (key: string) => Promise<void>
  readonly append: (key: string, chunks: ReadonlyArray<Buffer>) => Promise<void>
  readonly move: (from: string, to: string) => Promise<void>
  readonly remove: (key: string) => Promise<void>
  readonly loadIndex: () => Promise<string | undefined>
  readonly saveIndex: (json: string) => Promise<void>
}

export const memoryContent = (): AdlsContent => {
  const files = new Map<string, Buffer>()
  let index: string | undefined
  return {
    read: (key, start, end) => Readable.from([(files.get(key) ?? Buffer.alloc(0)).subarray(start, end)]),
    truncate: async (key) => {
      files.set(key, Buffer.alloc(0))
    },
    append: async (key, chunks) => {
      files.set(key, Buffer.concat([files.get(key) ?? Buffer.alloc(0), ...chunks]))
    },
    move: async (from, to) => {
      const data = files.get(from)
      files.delete(from)
      if (data) files.set(to, data)
    },
    remove: async (key) => {
      files.delete(key)
    },
    loadIndex: async () => index,
    saveIndex: async (json) => {
      index = json
    },
  }
}

export const directoryContent = (root: string): AdlsContent => {
  const file = (key: string) => join(root, ...key.split("/"))
  const indexPath = join(root, ".adls-index.json")
  return {
    read: (key, start, end) =>
      end > start ? createReadStream(file(key), { start, end: end - 1 }) : Readable.from([Buffer.alloc(0)]),
    truncate: async (key) => {
      await mkdir(dirname(file(key)), { recursive: true })
      await writeFile(file(key), "")
    },
    append: async (key, chunks) => {
      for (const chunk of chunks) await appendFile(file(key), chunk)
    },
    move: async (from, to) => {
      await mkdir(dirname(file(to)), { recursive: true })
      await rename(file(from), file(to))
    },
    remove: async (key) => {
      await rm(file(key), { force: true, recursive: true })
    },
    loadIndex: async () => {
      try {
        return await readFile(indexPath, "utf8")
      } catch {
        return undefined
      }
    },
    saveIndex: async (json) => {
      await mkdir(root, { recursive: true })
      const temp = `${indexPath}.tmp-${process.pid}`
      await writeFile(temp, json)
      await rename(temp, indexPath)
    },
  }
}
