import { randomUUID } from "node:crypto"
import type { Readable } from "node:stream"
import type { AdlsContent } from "./AdlsContent.js"

/** A path of a hierarchical-namespace file system: a file or a directory. */
export interface PathEntry {
  readonly kind: "file" | "directory"
  readonly size: number
  readonly metadata: Readonly<Record<string, string>>
  readonly contentType: string | undefined
  readonly etag: string
  readonly lastModified: string
}

interface Container {
  readonly etag: string
  readonly lastModified: string
  readonly paths: Map<string, PathEntry>
}

/** A refusal the service would answer, with a surface-neutral code the emulator renders per surface. */
export class StoreError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

const etag = () => `"0x${randomUUID().replaceAll("-", "").slice(0, 15).toUpperCase()}"`
const stamp = () => new Date().toUTCString()
const ancestors = (path: string) =>
  path
    .split("/")
    .map((_, i, parts) => parts.slice(0, i).join("/"))
    .slice(1)
const under = (path: string, dir: string) => dir === "" || path.startsWith(`${dir}/`)

/**
 * The state of an ADLS Gen2 account with hierarchical namespace: file systems, their files and
 * directories, and appended data not flushed yet. Like the service, a file exists (empty) from
 * its creation; appended bytes become part of it only when a flush at the right position makes
 * them contiguous. Mutations run one at a time. Appended data waits for its flush in memory, in
 * either storage mode.
 */
export class AdlsStore {
  private readonly containers = new Map<string, Container>()
  private readonly pending = new Map<string, Map<number, Buffer>>()
  private queue: Promise<unknown> = Promise.resolve()

  private constructor(private readonly content: AdlsContent) {}

  static async open(content: AdlsContent): Promise<AdlsStore> {
    const store = new AdlsStore(content)
    const saved = await content.loadIndex()
    if (saved) {
      const data = JSON.parse(saved) as Record<string, Omit<Container, "paths"> & { paths: Record<string, PathEntry> }>
      for (const [name, c] of Object.entries(data)) {
        store.containers.set(name, { ...c, paths: new Map(Object.entries(c.paths)) })
      }
    }
    return store
  }

  private exclusive<A>(work: () => Promise<A>): Promise<A> {
    const run = this.queue.then(work)
    this.queue = run.catch(() => undefined)
    return run
  }

  private async save(): Promise<void> {
    const data = Object.fromEntries(
      [...this.containers].map(([name, c]) => [name, { ...c, paths: Object.fromEntries(c.paths) }]),
    )
    await this.content.saveIndex(JSON.stringify(data))
  }

  private container(fs: string): Container {
    const c = this.containers.get(fs)
    if (!c) throw new StoreError(404, "ContainerNotFound", "The specified container does not exist.")
    return c
  }

  private file(fs: string, path: string): PathEntry {
    const entry = this.container(fs).paths.get(path)
    if (entry?.kind !== "file") throw new StoreError(404, "PathNotFound", "The specified path does not exist.")
    return entry
  }

  /** HNS creates missing parent directories; a parent that is a file is a conflict. */
  private makeParents(c: Container, path: string): void {
    for (const dir of ancestors(path)) {
      const entry = c.paths.get(dir)
      if (entry?.kind === "file") throw new StoreError(409, "PathConflict", `The parent path ${dir} is a file.`)
      if (!entry) c.paths.set(dir, directoryEntry({}))
    }
  }

  createContainer(fs: string): Promise<boolean> {
    return this.exclusive(async () => {
      if (this.containers.has(fs)) return false
      this.containers.set(fs, { etag: etag(), lastModified: stamp(), paths: new Map() })
      await this.save()
      return true
    })
  }

  containerProperties(fs: string): { readonly etag: string; readonly lastModified: string } {
    const { etag, lastModified } = this.container(fs)
    return { etag, lastModified }
  }

  deleteContainer(fs: string): Promise<void> {
    return this.exclusive(async () => {
      const c = this.container(fs)
      for (const [path, entry] of c.paths) if (entry.kind === "file") await this.content.remove(`${fs}/${path}`)
      this.containers.delete(fs)
      await this.save()
    })
  }

  entry(fs: string, path: string): PathEntry {
    const entry = this.container(fs).paths.get(path)
    if (!entry) throw new StoreError(404, "PathNotFound", "The specified path does not exist.")
    return entry
  }

  /** Creates (or replaces) an empty file, or a directory; `exclusive` is `If-None-Match: *`. */
  create(
    fs: string,
    path: string,
    kind: "file" | "directory",
    options: { readonly metadata: Record<string, string>; readonly contentType?: string; readonly exclusive: boolean },
  ): Promise<PathEntry> {
    return this.exclusive(async () => {
      const c = this.container(fs)
      const existing = c.paths.get(path)
      if (existing && options.exclusive)
        throw new StoreError(409, "PathAlreadyExists", "The specified path already exists.")
      if (existing && existing.kind !== kind) {
        throw new StoreError(409, "PathConflict", `The path exists as a ${existing.kind}.`)
      }
      this.makeParents(c, path)
      const entry = kind === "directory" ? directoryEntry(options.metadata) : fileEntry(0, options)
      if (kind === "file") {
        await this.content.truncate(`${fs}/${path}`)
        this.pending.delete(`${fs}/${path}`)
      }
      c.paths.set(path, entry)
      await this.save()
      return entry
    })
  }

  /** Keeps `data` for a later flush; appends at the same position replace each other, as retries do. */
  append(fs: string, path: string, position: number, data: Buffer): void {
    this.file(fs, path)
    const key = `${fs}/${path}`
    const chunks = this.pending.get(key) ?? new Map<number, Buffer>()
    chunks.set(position, data)
    this.pending.set(key, chunks)
  }

  /** Commits the appended data from the file's end up to `position`, which must be contiguous. */
  flush(
    fs: string,
    path: string,
    position: number,
    options: { readonly contentType: string | undefined; readonly retainUncommittedData: boolean },
  ): Promise<PathEntry> {
    return this.exclusive(async () => {
      const entry = this.file(fs, path)
      const key = `${fs}/${path}`
      const chunks = this.pending.get(key) ?? new Map<number, Buffer>()
      const ordered: Array<Buffer> = []
      let at = entry.size
      while (at < position) {
        const chunk = chunks.get(at)
        if (!chunk || chunk.length === 0 || at + chunk.length > position) break
        ordered.push(chunk)
        at += chunk.length
      }
      if (at !== position) {
        throw new StoreError(
          400,
          "InvalidFlushPosition",
          "The uploaded data is not contiguous or the position query parameter value is not equal to the length of the file after appending the uploaded data.",
        )
      }
      await this.content.append(key, ordered)
      if (options.retainUncommittedData) {
        for (const [start] of [...chunks].filter(([start]) => start < position)) chunks.delete(start)
      } else {
        this.pending.delete(key)
      }
      const flushed = fileEntry(position, { ...entry, contentType: options.contentType ?? entry.contentType })
      this.container(fs).paths.set(path, flushed)
      await this.save()
      return flushed
    })
  }

  read(fs: string, path: string, start: number, end: number): Readable {
    return this.content.read(`${fs}/${path}`, start, end)
  }

  /** Moves a file or a directory with everything under it; an existing destination file is replaced. */
  rename(fs: string, source: string, sourceFs: string, destination: string): Promise<PathEntry> {
    return this.exclusive(async () => {
      const from = this.container(sourceFs)
      const to = this.container(fs)
      const entry = from.paths.get(source)
      if (!entry)
        throw new StoreError(404, "SourcePathNotFound", "The source path for a rename operation does not exist.")
      const target = to.paths.get(destination)
      if (target && (target.kind === "directory" || entry.kind === "directory")) {
        throw new StoreError(409, "PathConflict", "The destination path exists.")
      }
      this.makeParents(to, destination)
      const moving = [...from.paths].filter(([p]) => p === source || under(p, source))
      for (const [p, e] of moving) {
        const moved = destination + p.slice(source.length)
        if (e.kind === "file") await this.content.move(`${sourceFs}/${p}`, `${fs}/${moved}`)
        this.pending.delete(`${sourceFs}/${p}`)
        from.paths.delete(p)
        to.paths.set(moved, e)
      }
      await this.save()
      return entry
    })
  }

  delete(fs: string, path: string, recursive: boolean): Promise<void> {
    return this.exclusive(async () => {
      const c = this.container(fs)
      this.entry(fs, path)
      const doomed = [...c.paths].filter(([p]) => p === path || under(p, path))
      if (doomed.length > 1 && !recursive) throw new StoreError(409, "DirectoryNotEmpty", "The directory is not empty.")
      for (const [p, e] of doomed) {
        if (e.kind === "file") await this.content.remove(`${fs}/${p}`)
        this.pending.delete(`${fs}/${p}`)
        c.paths.delete(p)
      }
      await this.save()
    })
  }

  /** The paths under `directory` ("" for the root), sorted by name; direct children unless `recursive`. */
  list(fs: string, directory: string, recursive: boolean): ReadonlyArray<readonly [string, PathEntry]> {
    const c = this.container(fs)
    if (directory !== "" && c.paths.get(directory)?.kind !== "directory") {
      throw new StoreError(404, "PathNotFound", "The specified path does not exist.")
    }
    const depth = directory === "" ? 0 : directory.split("/").length
    return [...c.paths]
      .filter(([p]) => under(p, directory) && (recursive || p.split("/").length === depth + 1))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  }
}

const directoryEntry = (metadata: Record<string, string>): PathEntry => ({
  kind: "directory",
  size: 0,
  metadata: { ...metadata, hdi_isfolder: "true" },
  contentType: undefined,
  etag: etag(),
  lastModified: stamp(),
})

const fileEntry = (
  size: number,
  options: { readonly metadata: Readonly<Record<string, string>>; readonly contentType?: string | undefined },
): PathEntry => ({
  kind: "file",
  size,
  metadata: options.metadata,
  contentType: options.contentType,
  etag: etag(),
  lastModified: stamp(),
})
