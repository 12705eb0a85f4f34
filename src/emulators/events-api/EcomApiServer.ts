import { createServer } from "node:http"
import { HttpRouter, HttpServer, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import type { ServeError } from "@effect/platform/HttpServerError"
import { NodeHttpServer, NodeHttpServerRequest } from "@effect/platform-node"
import { Effect, type Scope } from "effect"
import { isoDateToEpochMs } from "../../domain/Week.js"
import { type EcomData, pageBody as generatePage } from "./EcomDataGenerator.js"
import { type Fault, type FaultSettings, makeFaultPlan, noFaults } from "./EcomFaults.js"

/**
 * The ecom events API on 127.0.0.1 (../shared/reference/ecom-events-api.md): `GET /health` and
 * `GET /datasets/ecom_events?start_date&end_date&page&page_size` with `X-API-KEY`, serving the
 * synthetic data of EcomDataGenerator in any envelope, with the faults of EcomFaults.
 */
export const ENVELOPES = ["bare", "data", "events", "results", "items"] as const
export type Envelope = (typeof ENVELOPES)[number]

/**
 * How the emulator pages, for clients that must survive a broken API: `ignore-page` answers every
 * request with page 1 (an API that ignores the parameter), `endless` never ends a week (full
 * pages forever, cycling through the week's full pages, and no total).
 */
export const PAGINGS = ["normal", "ignore-page", "endless"] as const
export type Paging = (typeof PAGINGS)[number]

export interface EcomApiOptions {
  readonly data: EcomData
  readonly envelope: Envelope
  /** Adds `"meta":{"page":…,"page_size":…,"total":…}` (ignored for a bare list). */
  readonly withTotal: boolean
  /** The key `X-API-KEY` must carry (401 when missing or wrong). No check when undefined. */
  readonly apiKey: string | undefined
  readonly faults: FaultSettings
  /** The most records a page holds, whatever `page_size` asks for: some APIs cap it quietly. */
  readonly maxPageSize: number
  /** Real milliseconds every data response waits before it is sent: a remote API's round trip. */
  readonly latencyMs: number
  readonly paging: Paging
  readonly host: string
  /** 0 picks a free port; `RunningEcomApi.port` tells which. */
  readonly port: number
}

export const ecomApiDefaults: EcomApiOptions = {
  data: { seed: 42, eventsPerWeek: 10_000, malformedPct: 0 },
  envelope: "data",
  withTotal: false,
  apiKey: undefined,
  faults: noFaults,
  maxPageSize: 1000,
  latencyMs: 0,
  paging: "normal",
  host: "127.0.0.1",
  port: 0,
}

/** One request as the emulator saw it, for tests to assert the exact sequence a client sent. */
export interface SeenRequest {
  readonly path: string
  readonly page: number | undefined
  readonly pageSize: number | undefined
  readonly startDate: string | undefined
  readonly endDate: string | undefined
  readonly status: number
  readonly fault: Fault
  /** Wall-clock milliseconds when it arrived. */
  readonly at: number
}

export interface RunningEcomApi {
  readonly port: number
  readonly url: string
  /** The most recent requests (up to 10,000), oldest first. */
  readonly requests: () => ReadonlyArray<SeenRequest>
}

const MAX_PAGE_SIZE = 1000
const KEEP_REQUESTS = 10_000
const DEFAULT_PAGE_SIZE = 1000

const errorBody = (status: number, error: string, headers: Record<string, string> = {}) =>
  HttpServerResponse.text(JSON.stringify({ error }), { status, contentType: "application/json", headers })

/** Waits in real time even under a TestClock: the emulator stands for a server with its own clock. */
const realSleep = (ms: number) =>
  Effect.async<void>((resume) => {
    const timer = setTimeout(() => resume(Effect.void), ms)
    return Effect.sync(() => clearTimeout(timer))
  })

interface Query {
  readonly startDate: string
  readonly endDate: string
  readonly page: number
  readonly pageSize: number
}

const parseQuery = (params: URLSearchParams, maxPageSize: number): Query | string => {
  const startDate = params.get("start_date") ?? ""
  const endDate = params.get("end_date") ?? ""
  const start = isoDateToEpochMs(startDate)
  const end = isoDateToEpochMs(endDate)
  if (start === undefined) return "start_date must be a date as YYYY-MM-DD"
  if (end === undefined) return "end_date must be a date as YYYY-MM-DD"
  if (end < start) return "end_date must not be before start_date"
  const page = Number(params.get("page") ?? "1")
  const pageSize = Number(params.get("page_size") ?? String(DEFAULT_PAGE_SIZE))
  if (!Number.isInteger(page) || page < 1) return "page must be an integer of at least 1"
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    return `page_size must be an integer from 1 to ${MAX_PAGE_SIZE}`
  }
  return { startDate, endDate, page, pageSize: Math.min(pageSize, maxPageSize) }
}

/** The page whose records a request gets, as the emulator's paging mode has it. */
const servedPage = (options: EcomApiOptions, query: Query): number => {
  if (options.paging === "ignore-page") return 1
  if (options.paging === "normal") return query.page
  const fullPages = Math.max(1, Math.floor(options.data.eventsPerWeek / query.pageSize))
  return ((query.page - 1) % fullPages) + 1
}

const pageBody = (options: EcomApiOptions, query: Query): Uint8Array => {
  const window = { start: query.startDate, end: query.endDate }
  const page = (prefix: string, suffix: string) =>
    generatePage(options.data, window, servedPage(options, query), query.pageSize, prefix, suffix)
  if (options.envelope === "bare") return page("[", "]")
  const meta =
    options.withTotal && options.paging !== "endless"
      ? `,"meta":{"page":${query.page},"page_size":${query.pageSize},"total":${options.data.eventsPerWeek}}`
      : ""
  return page(`{"${options.envelope}":[`, `]${meta}}`)
}

const retryAfter = (faults: FaultSettings): string =>
  faults.retryAfterFormat === "date"
    ? new Date(Date.now() + faults.retryAfterSeconds * 1000).toUTCString()
    : String(faults.retryAfterSeconds)

/** Sends the headers and half the body, then drops the connection. */
const dropMidBody = (request: HttpServerRequest.HttpServerRequest, bytes: Uint8Array) =>
  Effect.async<HttpServerResponse.HttpServerResponse>(() => {
    const response = NodeHttpServerRequest.toServerResponse(request)
    response.writeHead(200, { "content-type": "application/json", "content-length": bytes.length })
    // The server's own fiber ends when the socket closes (the platform interrupts it as a client abort).
    response.write(bytes.subarray(0, bytes.length >> 1), () => response.destroy())
  })

/** Why a request's API key is refused (missing or wrong), or undefined when it is accepted. */
const refusedKey = (expected: string | undefined, key: string | ReadonlyArray<string> | undefined) => {
  if (expected === undefined) return undefined
  if (key === undefined || key === "") return "missing X-API-KEY header"
  return key !== expected ? "invalid API key" : undefined
}

/** The answer of a fault that is an error status; undefined for the faults that answer 200. */
const errorOfFault = (fault: Fault, faults: FaultSettings) => {
  switch (fault) {
    case "429":
      return { status: 429, response: errorBody(429, "rate limit exceeded", { "retry-after": retryAfter(faults) }) }
    case "401":
      return { status: 401, response: errorBody(401, "API key expired") }
    case "403":
      return { status: 403, response: errorBody(403, "this key may not read ecom_events") }
    case "500":
    case "502":
    case "503":
    case "504":
      return { status: Number(fault), response: errorBody(Number(fault), `injected ${fault}`) }
    default:
      return undefined
  }
}

const HEALTH_CHECK = {
  path: "/health",
  page: undefined,
  pageSize: undefined,
  startDate: undefined,
  endDate: undefined,
  status: 200,
  fault: "ok",
} as const

const makeApp = (options: EcomApiOptions, seen: Array<SeenRequest>) => {
  const plan = makeFaultPlan(options.faults, options.data.seed)
  const remember = (entry: SeenRequest) => {
    seen.push(entry)
    if (seen.length > 2 * KEEP_REQUESTS) seen.splice(0, seen.length - KEEP_REQUESTS)
  }

  const events = Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const params = new URL(request.url, "http://emulator").searchParams
    const at = Date.now()
    const number = (name: string) => (params.has(name) ? Number(params.get(name)) : undefined)
    const seenAs = (status: number, fault: Fault) =>
      remember({
        path: "/datasets/ecom_events",
        page: number("page"),
        pageSize: number("page_size"),
        startDate: params.get("start_date") ?? undefined,
        endDate: params.get("end_date") ?? undefined,
        status,
        fault,
        at,
      })
    const refused = refusedKey(options.apiKey, request.headers["x-api-key"])
    if (refused !== undefined) {
      seenAs(401, "ok")
      return errorBody(401, refused)
    }
    const query = parseQuery(params, options.maxPageSize)
    if (typeof query === "string") {
      seenAs(400, "ok")
      return errorBody(400, query)
    }
    const fault = plan.next(`${query.startDate}/${query.endDate}/${query.page}/${query.pageSize}`, query.page)
    if (options.latencyMs > 0) yield* realSleep(options.latencyMs)
    yield* Effect.logDebug("ecom API request").pipe(
      Effect.annotateLogs({ page: query.page, page_size: query.pageSize, fault }),
    )
    const failed = errorOfFault(fault, options.faults)
    if (failed !== undefined) {
      seenAs(failed.status, fault)
      return failed.response
    }
    switch (fault) {
      case "drop":
        seenAs(200, fault)
        return yield* dropMidBody(request, pageBody(options, query))
      case "slow":
        seenAs(200, fault)
        yield* realSleep(options.faults.slowMs)
        break
      case "ok":
        seenAs(200, fault)
    }
    return HttpServerResponse.uint8Array(pageBody(options, query), { contentType: "application/json" })
  })

  return HttpRouter.empty.pipe(
    HttpRouter.get(
      "/health",
      Effect.sync(() => {
        remember({ ...HEALTH_CHECK, at: Date.now() })
        return HttpServerResponse.text('{"status":"ok"}', { contentType: "application/json" })
      }),
    ),
    HttpRouter.get("/datasets/ecom_events", events),
  )
}

/** Serves the emulator until the scope closes; open connections are cut when it does. */
export const serveEcomApi = (
  options: Partial<EcomApiOptions> = {},
): Effect.Effect<RunningEcomApi, ServeError, Scope.Scope> =>
  Effect.gen(function* () {
    const settings: EcomApiOptions = { ...ecomApiDefaults, ...options }
    const seen: Array<SeenRequest> = []
    const node = createServer()
    const server = yield* NodeHttpServer.make(() => node, { host: settings.host, port: settings.port })
    yield* Effect.addFinalizer(() => Effect.sync(() => node.closeAllConnections()))
    yield* HttpServer.serveEffect()(makeApp(settings, seen)).pipe(Effect.provideService(HttpServer.HttpServer, server))
    const port = server.address._tag === "TcpAddress" ? server.address.port : settings.port
    return {
      port,
      url: `http://${settings.host.includes(":") ? `[${settings.host}]` : settings.host}:${port}`,
      requests: () => seen.slice(-KEEP_REQUESTS),
    }
  })
