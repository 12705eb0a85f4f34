import type { IncomingMessage, Server, ServerResponse } from "node:http"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect } from "effect"
import { directoryContent, memoryContent } from "./AdlsContent.js"
import type { AdlsCall, AdlsOperation } from "./AdlsOperations.js"
import { classify, permissionOf, sendError, serve } from "./AdlsOperations.js"
import { DEV_ACCOUNT, DEV_ACCOUNT_KEY, verifyAccountSas, verifySharedKey } from "./AdlsSharedKey.js"
import { AdlsStore } from "./AdlsStore.js"

export interface AdlsEmulatorOptions {
  /** Defaults to Azurite's `devstoreaccount1` and its well-known key. */
  readonly account?: string
  readonly accountKey?: string
  readonly host?: string
  /** 0 (the default) picks a free port. */
  readonly port?: number
  /** Keep objects in this directory; in memory when absent. */
  readonly dir?: string
  /** Answer this share of calls (0–100) with 503 ServerBusy, chosen by a PRNG seeded with `seed`. */
  readonly fault503Pct?: number
  readonly seed?: number
  /** Told of every request once answered (the CLI logs them). */
  readonly onRequest?: (entry: AdlsLogEntry) => void
}

/** One request the emulator answered; `status` 0 when it dropped the connection. */
export interface AdlsLogEntry {
  readonly operation: AdlsOperation
  readonly method: string
  readonly fileSystem: string
  readonly path: string
  readonly status: number
  readonly position?: number
  readonly bytes: number
}

export interface AdlsEmulator {
  /** Path-style account URL for `DataLakeServiceClient`: `http://127.0.0.1:{port}/{account}`. */
  readonly url: string
  readonly port: number
  readonly account: string
  readonly accountKey: string
  /** Every request so far, in arrival order. */
  readonly requests: () => ReadonlyArray<AdlsLogEntry>
  /** How many requests of `operation` were answered with `status` (any status when omitted). */
  readonly count: (operation: AdlsOperation, status?: number) => number
  readonly clearLog: () => void
  /** Answers the next `times` calls of `operation` (any when omitted) with `status` (503 by default). */
  readonly failNext: (times: number, options?: { readonly operation?: AdlsOperation; readonly status?: number }) => void
  /** Drops the connection in the middle of the next `times` appends, before any of their data is kept. */
  readonly dropNextAppends: (times: number) => void
  /** The files of a file system as the service holds them, hidden and staging names included. */
  readonly files: (fileSystem: string) => ReadonlyArray<{ readonly path: string; readonly size: number }>
  readonly close: () => Promise<void>
}

/** A small deterministic PRNG (mulberry32), so a fault share replays the same way. */
export const prng = (seed: number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => resolve(Buffer.concat(chunks)))
    req.on("error", reject)
  })

const logEntry = (call: AdlsCall, req: IncomingMessage, status: number, bytes: number): AdlsLogEntry => {
  const position = call.query.get("position")?.[0]
  return {
    operation: call.operation,
    method: req.method ?? "GET",
    fileSystem: call.fileSystem,
    path: call.path,
    status,
    bytes,
    ...(position === undefined ? {} : { position: Number(position) }),
  }
}

/** Every file of a file system, with its size; none when there is no such file system. */
const filesOf = (store: AdlsStore, fileSystem: string) => {
  try {
    return store
      .list(fileSystem, "", true)
      .filter(([, e]) => e.kind === "file")
      .map(([path, e]) => ({ path, size: e.size }))
  } catch {
    return []
  }
}

const listen = (server: Server, options: AdlsEmulatorOptions) =>
  new Promise<number>((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve((server.address() as AddressInfo).port))
  })

/** A request's SharedKey signature or account SAS, checked as the real service checks them. */
const authenticate = (req: IncomingMessage, url: URL, call: AdlsCall, account: string, accountKey: string) => {
  const now = new Date()
  if (req.headers.authorization) {
    const request = {
      method: req.method ?? "GET",
      pathname: url.pathname,
      search: url.search.slice(1),
      headers: req.headers,
    }
    return verifySharedKey(request, account, accountKey, now)
  }
  if (url.searchParams.has("sig")) {
    return verifyAccountSas(url.search.slice(1), account, accountKey, now, permissionOf(call.operation))
  }
  return {
    ok: false as const,
    code: "NoAuthenticationInformation",
    message: "Server failed to authenticate the request.",
  }
}

/**
 * Serves the blob + dfs calls of ADLS Gen2 on path-style URLs (`/{account}/{filesystem}/{path}`),
 * checking every request's SharedKey signature or account SAS. node:http rather than
 * @effect/platform's server: fault injection needs the raw socket (to drop a connection halfway
 * through an upload's body) and signature checks need the headers exactly as sent.
 *
 * The Data Lake SDK's `move` drops the account from a path-style destination URL (it rebuilds the
 * path as `/{filesystem}/{path}`, right for `*.dfs.core.windows.net` hosts), so a path whose first
 * segment is not the account is read as account-relative.
 */
export const startAdlsEmulator = async (options: AdlsEmulatorOptions = {}): Promise<AdlsEmulator> => {
  const account = options.account ?? DEV_ACCOUNT
  const accountKey = options.accountKey ?? DEV_ACCOUNT_KEY
  const store = await AdlsStore.open(options.dir ? directoryContent(options.dir) : memoryContent())
  const random = prng(options.seed ?? 1)
  const log: Array<AdlsLogEntry> = []
  const failures: Array<{ operation: AdlsOperation | undefined; status: number }> = []
  let drops = 0

  const record = (call: AdlsCall, req: IncomingMessage, status: number, bytes: number) => {
    const entry = logEntry(call, req, status, bytes)
    log.push(entry)
    options.onRequest?.(entry)
  }

  const injectedStatus = (call: AdlsCall): number | undefined => {
    const i = failures.findIndex((f) => f.operation === undefined || f.operation === call.operation)
    if (i >= 0) return failures.splice(i, 1)[0]?.status
    if ((options.fault503Pct ?? 0) > 0 && random() * 100 < (options.fault503Pct ?? 0)) return 503
    return undefined
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://emulator")
    const raw = url.pathname.split("/").slice(1)
    const segments = raw[0] === account ? raw.slice(1) : raw
    const fileSystem = decodeURIComponent(segments[0] ?? "")
    const path = segments.slice(1).map(decodeURIComponent).join("/")
    const call = classify(req, fileSystem, path, url.search.slice(1))
    const auth = authenticate(req, url, call, account, accountKey)
    if (!auth.ok) {
      req.resume()
      const status = auth.code === "NoAuthenticationInformation" ? 401 : 403
      sendError(req, res, status, auth.code, auth.message)
      return record(call, req, status, 0)
    }
    if (call.operation === "append" && drops > 0) {
      drops -= 1
      req.once("data", () => req.socket.destroy())
      return record(call, req, 0, 0)
    }
    const injected = injectedStatus(call)
    if (injected !== undefined) {
      await readBody(req)
      const code = injected === 503 ? "ServerBusy" : "InternalError"
      sendError(req, res, injected, code, "The server is busy (injected fault).")
      return record(call, req, injected, 0)
    }
    const body = await readBody(req)
    const status = await serve(store, account, call, req, res, body)
    record(call, req, status, body.length)
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(req, res, 500, "InternalError", String(error))
      else res.destroy()
    })
  })
  const port = await listen(server, options)
  return {
    url: `http://${options.host ?? "127.0.0.1"}:${port}/${account}`,
    port,
    account,
    accountKey,
    requests: () => [...log],
    count: (operation, status) =>
      log.filter((e) => e.operation === operation && (status === undefined || e.status === status)).length,
    clearLog: () => {
      log.length = 0
    },
    failNext: (times, failure = {}) => {
      for (let i = 0; i < times; i++) failures.push({ operation: failure.operation, status: failure.status ?? 503 })
    },
    dropNextAppends: (times) => {
      drops += times
    },
    files: (fileSystem) => filesOf(store, fileSystem),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** The emulator for the length of a scope: started on acquire, closed on release. */
export const adlsEmulator = (options: AdlsEmulatorOptions = {}) =>
  Effect.acquireRelease(
    Effect.promise(() => startAdlsEmulator(options)),
    (emulator) => Effect.promise(() => emulator.close()),
  )
