import { randomUUID } from "node:crypto"
import type { IncomingMessage, ServerResponse } from "node:http"
import { pipeline } from "node:stream/promises"
import type { SasPermission } from "./AdlsSharedKey.js"
import { queryParams } from "./AdlsSharedKey.js"
import type { AdlsStore, PathEntry } from "./AdlsStore.js"
import { StoreError } from "./AdlsStore.js"

/** The calls of the blob and dfs surfaces that @azure/storage-file-datalake makes (see adls-gen2.md). */
export type AdlsOperation =
  | "createContainer"
  | "getContainerProperties"
  | "deleteContainer"
  | "getProperties"
  | "read"
  | "createFile"
  | "createDirectory"
  | "rename"
  | "append"
  | "flush"
  | "delete"
  | "listPaths"
  | "unsupported"

/** One request as the emulator understood it. */
export interface AdlsCall {
  readonly operation: AdlsOperation
  readonly fileSystem: string
  /** Decoded path inside the file system, "" for the file system itself. */
  readonly path: string
  readonly query: Map<string, Array<string>>
  readonly json: boolean
}

export const permissionOf = (operation: AdlsOperation): SasPermission => {
  switch (operation) {
    case "getContainerProperties":
    case "getProperties":
    case "read":
      return "r"
    case "listPaths":
      return "l"
    case "delete":
    case "deleteContainer":
      return "d"
    case "createContainer":
    case "createFile":
    case "createDirectory":
      return "c"
    default:
      return "w"
  }
}

export const classify = (req: IncomingMessage, fileSystem: string, path: string, search: string): AdlsCall => {
  const query = queryParams(search)
  const q = (name: string) => query.get(name)?.[0]
  const method = req.method ?? "GET"
  const json = String(req.headers.accept ?? "").includes("json")
  const call = (operation: AdlsOperation): AdlsCall => ({ operation, fileSystem, path, query, json })
  if (path === "") {
    if (q("restype") === "container") {
      if (method === "PUT") return call("createContainer")
      if (method === "GET" || method === "HEAD") return call("getContainerProperties")
      if (method === "DELETE") return call("deleteContainer")
    }
    if (q("resource") === "filesystem" && method === "GET") return call("listPaths")
    return call("unsupported")
  }
  if (method === "PUT" && req.headers["x-ms-rename-source"]) return call("rename")
  if (method === "PUT" && q("resource") === "file") return call("createFile")
  if (method === "PUT" && q("resource") === "directory") return call("createDirectory")
  if (method === "PATCH" && q("action") === "append") return call("append")
  if (method === "PATCH" && q("action") === "flush") return call("flush")
  if (method === "DELETE") return call("delete")
  if (method === "HEAD") return call("getProperties")
  if (method === "GET" && !q("action") && !q("resource")) return call("read")
  return call("unsupported")
}

/** Sends an error as the surface would: dfs JSON, blob XML, HEAD only the header. */
export const sendError = (req: IncomingMessage, res: ServerResponse, status: number, code: string, message: string) => {
  const json = String(req.headers.accept ?? "").includes("json")
  const requestId = randomUUID()
  const detail = `${message}\nRequestId:${requestId}\nTime:${new Date().toISOString()}`
  const body =
    req.method === "HEAD"
      ? ""
      : json
        ? JSON.stringify({ error: { code, message: detail } })
        : `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${escapeXml(detail)}</Message></Error>`
  res.writeHead(status, {
    "x-ms-error-code": code,
    "x-ms-request-id": requestId,
    "content-type": json ? "application/json;charset=utf-8" : "application/xml",
    "content-length": Buffer.byteLength(body),
  })
  res.end(body)
}

const escapeXml = (text: string) => text.replace(/[<>&]/g, (c) => (c === "<" ? "&lt;" : c === ">" ? "&gt;" : "&amp;"))

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

/** Serves one authenticated call against the store; `body` is the request body, read whole. */
export const serve = async (
  store: AdlsStore,
  account: string,
  call: AdlsCall,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
): Promise<number> => {
  const { fileSystem: fs, path, query } = call
  const q = (name: string) => query.get(name)?.[0]
  const send = (status: number, headers: Record<string, string | number> = {}, text = "") => {
    res.writeHead(status, { "x-ms-request-id": randomUUID(), "content-length": Buffer.byteLength(text), ...headers })
    res.end(text)
    return status
  }
  try {
    switch (call.operation) {
      case "createContainer":
        if (!(await store.createContainer(fs)))
          throw new StoreError(409, "ContainerAlreadyExists", "The specified container already exists.")
        return send(201, { ...store.containerProperties(fs) })
      case "getContainerProperties": {
        const { etag, lastModified } = store.containerProperties(fs)
        return send(200, {
          etag,
          "last-modified": lastModified,
          "x-ms-lease-state": "available",
          "x-ms-lease-status": "unlocked",
        })
      }
      case "deleteContainer":
        await store.deleteContainer(fs)
        return send(202)
      case "getProperties": {
        const entry = store.entry(fs, path)
        res.writeHead(200, { "x-ms-request-id": randomUUID(), ...propertyHeaders(entry) })
        res.end()
        return 200
      }
      case "read": {
        const entry = store.entry(fs, path)
        const ifMatch = req.headers["if-match"]
        if (ifMatch && ifMatch !== "*" && ifMatch !== entry.etag) {
          throw new StoreError(
            412,
            "ConditionNotMet",
            "The condition specified using HTTP conditional header(s) is not met.",
          )
        }
        const range = parseRange(String(req.headers["x-ms-range"] ?? req.headers.range ?? "") || undefined, entry.size)
        if (range === "invalid")
          throw new StoreError(
            416,
            "InvalidRange",
            "The range specified is invalid for the current size of the resource.",
          )
        const { start, end } = range ?? { start: 0, end: entry.size }
        res.writeHead(range ? 206 : 200, {
          "x-ms-request-id": randomUUID(),
          ...propertyHeaders(entry),
          "content-length": end - start,
          ...(range ? { "content-range": `bytes ${start}-${end - 1}/${entry.size}` } : {}),
        })
        await pipeline(store.read(fs, path, start, end), res)
        return range ? 206 : 200
      }
      case "createFile":
      case "createDirectory": {
        const contentType = req.headers["x-ms-content-type"]
        const entry = await store.create(fs, path, call.operation === "createFile" ? "file" : "directory", {
          metadata: decodeProperties(req.headers["x-ms-properties"] as string | undefined),
          ...(typeof contentType === "string" ? { contentType } : {}),
          exclusive: req.headers["if-none-match"] === "*",
        })
        return send(201, entryHeaders(entry))
      }
      case "rename": {
        const source = renameSource(store, account, String(req.headers["x-ms-rename-source"]))
        const entry = await store.rename(fs, source.path, source.fileSystem, path)
        return send(201, entryHeaders(entry))
      }
      case "append": {
        const position = Number(q("position"))
        if (!Number.isSafeInteger(position) || position < 0)
          throw new StoreError(400, "InvalidQueryParameterValue", "position must be a non-negative integer.")
        store.append(fs, path, position, body)
        return send(202)
      }
      case "flush": {
        const position = Number(q("position"))
        if (!Number.isSafeInteger(position) || position < 0)
          throw new StoreError(400, "InvalidQueryParameterValue", "position must be a non-negative integer.")
        const contentType = req.headers["x-ms-content-type"]
        const entry = await store.flush(fs, path, position, {
          contentType: typeof contentType === "string" ? contentType : undefined,
          retainUncommittedData: q("retainuncommitteddata") === "true",
        })
        return send(200, entryHeaders(entry))
      }
      case "delete":
        await store.delete(fs, path, q("recursive") === "true")
        return send(200)
      case "listPaths": {
        const directory = (q("directory") ?? "").replace(/^\/+|\/+$/g, "")
        const all = store.list(fs, directory, q("recursive") === "true")
        const offset = Number(q("continuation") ? Buffer.from(q("continuation") ?? "", "base64").toString() : 0)
        const max = Number(q("maxresults") ?? 5000)
        const page = all.slice(offset, offset + max)
        const paths = page.map(([name, e]) => ({
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
      case "unsupported":
        throw new StoreError(400, "UnsupportedOperation", `${req.method} ${req.url} is not served by this emulator.`)
    }
  } catch (error) {
    if (!(error instanceof StoreError)) throw error
    sendError(req, res, error.status, surfaceCode(error.code, call.json), error.message)
    return error.status
  }
}
