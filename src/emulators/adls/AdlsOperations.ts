import { randomUUID } from "node:crypto"
import type { IncomingMessage, ServerResponse } from "node:http"
import type { SasPermission } from "./AdlsSharedKey.js"
import { queryParams } from "./AdlsSharedKey.js"

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
