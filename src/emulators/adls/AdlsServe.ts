import { randomUUID } from "node:crypto"
import type { IncomingMessage, ServerResponse } from "node:http"
import { pipeline } from "node:stream/promises"
import type { AdlsCall, AdlsOperation } from "./AdlsOperations.js"
import { sendError } from "./AdlsOperations.js"
import type { AdlsStore, PathEntry } from "./AdlsStore.js"
import { StoreError } from "./AdlsStore.js"

/** The surface's own name for a missing thing: blob says BlobNotFound, dfs says FilesystemNotFound. */
const surfaceCode = (code: string, json: boolean) =>
  json ? (code === "ContainerNotFound" ? "FilesystemNotFound" : code) : code === "PathNotFound" ? "BlobNotFound" : code

const decodeProperties = (header: string | undefined): Record<string, string> =>
  Object.fromEntries(
    (header ?? "")
      .split(",")
      .filter((pair) => pair.includes("="))
      .map((pair) => {
        const eq = pair.indexOf("=")
        return [pair.slice(0, eq).trim(), Buffer.from(pair.slice(eq + 1), "base64").toString("utf8")]
      }),
  )

const entryHeaders = (entry: PathEntry) => ({
  etag: entry.etag,
  "last-modified": entry.lastModified,
})

const propertyHeaders = (entry: PathEntry) => ({
  ...entryHeaders(entry),
  "content-length": entry.size,
  "content-type": entry.contentType ?? "application/octet-stream",
  "accept-ranges": "bytes",
  "x-ms-blob-type": "BlockBlob",
  "x-ms-resource-type": entry.kind,
  "x-ms-server-encrypted": "true",
  ...Object.fromEntries(Object.entries(entry.metadata).map(([k, v]) => [`x-ms-meta-${k}`, v])),
})

const parseRange = (
  header: string | undefined,
  size: number,
): { start: number; end: number } | "invalid" | undefined => {
  if (!header) return undefined
  const match = /^bytes=(\d+)-(\d*)$/.exec(header)
  if (!match) return undefined
  const start = Number(match[1])
  const end = match[2] === "" ? size : Math.min(size, Number(match[2]) + 1)
  return start >= size ? "invalid" : { start, end }
}

/** The account-relative source of a rename: `/{account}/{fs}/{path}` (path-style) or `/{fs}/{path}`, query dropped. */
const renameSource = (store: AdlsStore, account: string, header: string): { fileSystem: string; path: string } => {
  const segments = header.split("?")[0]?.split("/").filter(Boolean).map(decodeURIComponent) ?? []
  const hasAccount = segments[0] === account && segments.length > 2 && isContainer(store, segments[1] ?? "")
  const [fileSystem = "", ...path] = hasAccount ? segments.slice(1) : segments
  return { fileSystem, path: path.join("/") }
}

const isContainer = (store: AdlsStore, name: string) => {
  try {
    store.containerProperties(name)
    return true
  } catch {
    return false
  }
}

interface Exchange {
  readonly store: AdlsStore
  readonly account: string
  readonly call: AdlsCall
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly body: Buffer
  /** The first value of a query parameter. */
  readonly q: (name: string) => string | undefined
  /** Writes the whole response and returns its status. */
  readonly send: (status: number, headers?: Record<string, string | number>, text?: string) => number
}

const position = (x: Exchange) => {
  const value = Number(x.q("position"))
  if (!Number.isSafeInteger(value) || value < 0)
    throw new StoreError(400, "InvalidQueryParameterValue", "position must be a non-negative integer.")
  return value
}

const contentTypeOf = (req: IncomingMessage) => {
  const contentType = req.headers["x-ms-content-type"]
  return typeof contentType === "string" ? contentType : undefined
}

const read = async ({ store, call, req, res }: Exchange) => {
  const entry = store.entry(call.fileSystem, call.path)
  const ifMatch = req.headers["if-match"]
  if (ifMatch && ifMatch !== "*" && ifMatch !== entry.etag) {
    throw new StoreError(412, "ConditionNotMet", "The condition specified using HTTP conditional header(s) is not met.")
  }
  const range = parseRange(String(req.headers["x-ms-range"] ?? req.headers.range ?? "") || undefined, entry.size)
  if (range === "invalid")
    throw new StoreError(416, "InvalidRange", "The range specified is invalid for the current size of the resource.")
  const { start, end } = range ?? { start: 0, end: entry.size }
  res.writeHead(range ? 206 : 200, {
    "x-ms-request-id": randomUUID(),
    ...propertyHeaders(entry),
    "content-length": end - start,
    ...(range ? { "content-range": `bytes ${start}-${end - 1}/${entry.size}` } : {}),
  })
  await pipeline(store.read(call.fileSystem, call.path, start, end), res)
  return range ? 206 : 200
}

const create = async ({ store, call, req, send }: Exchange) => {
  const contentType = contentTypeOf(req)
  const entry = await store.create(call.fileSystem, call.path, call.operation === "createFile" ? "file" : "directory", {
    metadata: decodeProperties(req.headers["x-ms-properties"] as string | undefined),
    ...(contentType !== undefined ? { contentType } : {}),
    exclusive: req.headers["if-none-match"] === "*",
  })
  return send(201, entryHeaders(entry))
}

const listPaths = ({ store, call, q, send }: Exchange) => {
  const directory = (q("directory") ?? "").replace(/^\/+|\/+$/g, "")
  const all = store.list(call.fileSystem, directory, q("recursive") === "true")
  const offset = Number(q("continuation") ? Buffer.from(q("continuation") ?? "", "base64").toString() : 0)
  const max = Number(q("maxresults") ?? 5000)
  const paths = all.slice(offset, offset + max).map(([name, e]) => ({
    name,
    ...(e.kind === "directory" ? { isDirectory: "true" } : {}),
    contentLength: String(e.size),
    lastModified: e.lastModified,
    etag: e.etag,
  }))
  const next =
    offset + max < all.length ? { "x-ms-continuation": Buffer.from(String(offset + max)).toString("base64") } : {}
  return send(200, { "content-type": "application/json;charset=utf-8", ...next }, JSON.stringify({ paths }))
}

/** One handler an operation: each answers the call and returns the status it sent. */
const handlers: Record<AdlsOperation, (x: Exchange) => number | Promise<number>> = {
  createContainer: async ({ store, call, send }) => {
    if (!(await store.createContainer(call.fileSystem)))
      throw new StoreError(409, "ContainerAlreadyExists", "The specified container already exists.")
    return send(201, { ...store.containerProperties(call.fileSystem) })
  },
  getContainerProperties: ({ store, call, send }) => {
    const { etag, lastModified } = store.containerProperties(call.fileSystem)
    return send(200, {
      etag,
      "last-modified": lastModified,
      "x-ms-lease-state": "available",
      "x-ms-lease-status": "unlocked",
    })
  },
  deleteContainer: async ({ store, call, send }) => {
    await store.deleteContainer(call.fileSystem)
    return send(202)
  },
  getProperties: ({ store, call, res }) => {
    res.writeHead(200, { "x-ms-request-id": randomUUID(), ...propertyHeaders(store.entry(call.fileSystem, call.path)) })
    res.end()
    return 200
  },
  read,
  createFile: create,
  createDirectory: create,
  rename: async ({ store, account, call, req, send }) => {
    const source = renameSource(store, account, String(req.headers["x-ms-rename-source"]))
    return send(201, entryHeaders(await store.rename(call.fileSystem, source.path, source.fileSystem, call.path)))
  },
  append: (x) => {
    x.store.append(x.call.fileSystem, x.call.path, position(x), x.body)
    return x.send(202)
  },
  flush: async (x) => {
    const entry = await x.store.flush(x.call.fileSystem, x.call.path, position(x), {
      contentType: contentTypeOf(x.req),
      retainUncommittedData: x.q("retainuncommitteddata") === "true",
    })
    return x.send(200, entryHeaders(entry))
  },
  delete: async ({ store, call, q, send }) => {
    await store.delete(call.fileSystem, call.path, q("recursive") === "true")
    return send(200)
  },
  listPaths,
  unsupported: ({ req }) => {
    throw new StoreError(400, "UnsupportedOperation", `${req.method} ${req.url} is not served by this emulator.`)
  },
}

/** Serves one authenticated call against the store; `body` is the request body, read whole. */
export const serve = async (
  store: AdlsStore,
  account: string,
  call: AdlsCall,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
): Promise<number> => {
  const send = (status: number, headers: Record<string, string | number> = {}, text = "") => {
    res.writeHead(status, { "x-ms-request-id": randomUUID(), "content-length": Buffer.byteLength(text), ...headers })
    res.end(text)
    return status
  }
  const q = (name: string) => call.query.get(name)?.[0]
  try {
    return await handlers[call.operation]({ store, account, call, req, res, body, q, send })
  } catch (error) {
    if (!(error instanceof StoreError)) throw error
    sendError(req, res, error.status, surfaceCode(error.code, call.json), error.message)
    return error.status
  }
}
