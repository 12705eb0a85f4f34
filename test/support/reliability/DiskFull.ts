import { FileSystem } from "@effect/platform"
import { type PlatformError, SystemError } from "@effect/platform/Error"
import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Layer } from "effect"

/** Which writes hit a full disk: files whose path matches, once `afterBytes` of them are written. */
export interface DiskFault {
  readonly path: RegExp
  readonly afterBytes: number
}

/**
 * A disk that can fill up: NodeFileSystem, except that once `fill` is called, writes to the
 * matching paths fail with ENOSPC after the byte budget is spent (the part that still fits is
 * written, as a real disk would). `heal` frees the disk again. Every write of the pipeline goes
 * through `open` + `write(All)` or `writeFile`, so this covers the extract, Parquet, sidecars,
 * markers and the state files.
 */
export const makeDiskFull = () => {
  let fault: DiskFault | undefined
  let written = 0
  let hits = 0

  const enospc = (method: string, path: string) => {
    hits++
    return new SystemError({
      reason: "Unknown",
      module: "FileSystem",
      method,
      pathOrDescriptor: path,
      syscall: "write",
      description: "ENOSPC: no space left on device, write",
    })
  }

  /** How much of `bytes` fits on the disk for `path`: all of it when the path is not affected. */
  const room = (path: string, bytes: number): number => {
    if (fault === undefined || !fault.path.test(path)) return bytes
    const fits = Math.max(0, Math.min(bytes, fault.afterBytes - written))
    written += fits
    return fits
  }

  const guardWrite =
    <A>(method: string, path: string, write: (bytes: Uint8Array) => Effect.Effect<A, PlatformError>) =>
    (bytes: Uint8Array): Effect.Effect<A, PlatformError> =>
      Effect.suspend(() => {
        const fits = room(path, bytes.length)
        if (fits === bytes.length) return write(bytes)
        const partial = fits > 0 ? Effect.asVoid(write(bytes.subarray(0, fits))) : Effect.void
        return Effect.zipRight(partial, Effect.fail(enospc(method, path)))
      })

  const wrapFile = (file: FileSystem.File, path: string): FileSystem.File =>
    new Proxy(file, {
      get(target, property) {
        if (property === "writeAll") return guardWrite("writeAll", path, (b) => target.writeAll(b))
        if (property === "write") return guardWrite("write", path, (b) => target.write(b))
        const value = Reflect.get(target, property, target)
        return typeof value === "function" ? value.bind(target) : value
      },
    })

  const layer = Layer.effect(
    FileSystem.FileSystem,
    Effect.map(FileSystem.FileSystem, (real) =>
      FileSystem.make({
        ...real,
        open: (path, options) => Effect.map(real.open(path, options), (file) => wrapFile(file, path)),
        writeFile: (path, data, options) =>
          guardWrite("writeFile", path, (bytes) => real.writeFile(path, bytes, options))(data),
      }),
    ),
  ).pipe(Layer.provide(NodeFileSystem.layer))

  return {
    layer,
    /** From now on, writes to paths matching `path` fail once `afterBytes` more bytes were written to them. */
    fill: (next: DiskFault) => {
      fault = next
      written = 0
      hits = 0
    },
    heal: () => {
      fault = undefined
    },
    /** How many writes failed with ENOSPC since `fill`. */
    hits: () => hits,
  }
}

export type DiskFull = ReturnType<typeof makeDiskFull>
