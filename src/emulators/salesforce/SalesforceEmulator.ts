import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect, type Scope } from "effect"
import { type AuthAnswer, SalesforceSessions } from "./SalesforceAuth.js"
import { SalesforceBatchScheduler } from "./SalesforceBatchScheduler.js"
import { ApiFault, type ResultKind, SalesforceBulkJobs } from "./SalesforceBulkJobs.js"
import { ORG_ALLOCATION_DEFAULTS, SalesforceOrgLimits } from "./SalesforceOrgLimits.js"
import { type DescribedField, restRoute, SalesforceRest } from "./SalesforceRest.js"
import { SalesforceStore, type ValidationRule } from "./SalesforceStore.js"

export interface SalesforceEmulatorOptions {
  /** 0 (the default) picks a free port. The emulator only ever listens on 127.0.0.1. */
  readonly port?: number
  readonly username?: string
  readonly password?: string
  readonly securityToken?: string
  readonly clientId?: string
  readonly clientSecret?: string
  /**
   * How many status checks a closed job answers `InProgress` at least, whatever its batches do
   * (default 1 when `batchMs` is 0, else 0: server time alone decides).
   */
  readonly inProgressPolls?: number
  /** How many internal batches of 10,000 rows the org processes at once, across all jobs (default 4). */
  readonly parallelBatches?: number
  /** How long one internal batch takes in milliseconds (default 0: a batch ends as it starts). */
  readonly batchMs?: number
  /** The org's clock, milliseconds since the epoch (default `Date.now`); a test may drive it by hand. */
  readonly clock?: () => number
  readonly rules?: ReadonlyArray<ValidationRule>
  /** The objects `describe` knows, by name (default: Customer_Weekly_Metric__c with the default mapping's fields). */
  readonly objects?: Readonly<Record<string, ReadonlyArray<DescribedField>>>
  /** The org's Bulk API batches a day (default 15,000); a job needing more than remain fails with EXCEEDED_QUOTA. */
  readonly dailyBatches?: number
  /** The org's API requests a day (default 100,000); past it requests get 403 REQUEST_LIMIT_EXCEEDED. */
  readonly dailyApiRequests?: number
}

export type RequestKind =
  | "soapLogin"
  | "oauthToken"
  | "createJob"
  | "upload"
  | "closeJob"
  | "abortJob"
  | "jobInfo"
  | "results"
  | "deleteJob"
  | "collectionsUpsert"
  | "describe"
  | "limits"
  | "unknown"

/** What a route names in its path: a job, or an object and its external id field. */
type RouteName = "jobId" | "objectName" | "externalIdField"

/** One request the emulator answered; uploads also name the external ids they carried. */
export interface LoggedRequest {
  readonly method: string
  readonly path: string
  readonly kind: RequestKind
  readonly status: number
  readonly jobId?: string
  readonly externalIds?: ReadonlyArray<string>
}

/** Answers the next `times` requests of a kind with an error instead (a 5xx, REQUEST_LIMIT_EXCEEDED ...). */
export interface Fault {
  readonly kind: RequestKind
  readonly status: number
  readonly errorCode: string
  readonly message?: string
  times?: number
}

export const EMULATOR_DEFAULTS = {
  username: "retl@example.com",
  password: "emulator-password",
  securityToken: "emulatortoken",
} as const

const LIMITS = /^\/services\/data\/v\d+\.\d\/limits\/?$/
const INGEST =
  /^\/services\/data\/v(\d+\.\d)\/jobs\/ingest(?:\/([A-Za-z0-9]{15,18})(?:\/(batches|successfulResults|failedResults|unprocessedrecords))?)?$/

const readBody = (request: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    request.on("error", reject)
  })

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

const nonNegative = (name: string, value: number): number => {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be an integer ≥ 0, got ${value}`)
  return value
}

/**
 * Salesforce as jsforce sees it, over real HTTP on 127.0.0.1: SOAP login, the OAuth2 password
 * flow, the Bulk API 2.0 ingest surface with its result files, and `GET /limits` with what the org
 * has spent of its daily allocation. Tests assert on `requests`, `store`, `jobs` and `limits`;
 * `injectFault` and `sessions.expire()` make it misbehave on purpose.
 */
export class SalesforceEmulator {
  readonly store = new SalesforceStore()
  readonly jobs: SalesforceBulkJobs
  readonly rest: SalesforceRest
  /** What the org has spent: `limits.apiRequests`, `limits.bulkBatches` (and what `GET /limits` answers). */
  readonly limits: SalesforceOrgLimits
  /** The org's batch processing; `batches.intervals()` lists every batch ended, with its start and end. */
  readonly batches: SalesforceBatchScheduler
  readonly sessions: SalesforceSessions
  readonly requests: Array<LoggedRequest> = []
  private readonly faults: Array<Fault> = []
  private server: Server | undefined
  url = ""

  constructor(options: SalesforceEmulatorOptions = {}) {
    this.sessions = new SalesforceSessions({
      username: options.username ?? EMULATOR_DEFAULTS.username,
      password: options.password ?? EMULATOR_DEFAULTS.password,
      securityToken: options.securityToken ?? EMULATOR_DEFAULTS.securityToken,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
    })
    this.limits = new SalesforceOrgLimits({
      dailyBatches: nonNegative("dailyBatches", options.dailyBatches ?? ORG_ALLOCATION_DEFAULTS.dailyBatches),
      dailyApiRequests: nonNegative(
        "dailyApiRequests",
        options.dailyApiRequests ?? ORG_ALLOCATION_DEFAULTS.dailyApiRequests,
      ),
    })
    const batchMs = options.batchMs ?? 0
    this.batches = new SalesforceBatchScheduler(
      { parallelBatches: options.parallelBatches ?? 4, batchMs },
      options.clock ?? Date.now,
    )
    this.jobs = new SalesforceBulkJobs(this.store, "62.0", this.limits, this.batches)
    this.jobs.inProgressPolls = nonNegative("inProgressPolls", options.inProgressPolls ?? (batchMs > 0 ? 0 : 1))
    this.rest = new SalesforceRest(this.store, options.objects)
    this.store.rules = [...(options.rules ?? [])]
  }

  static async start(options: SalesforceEmulatorOptions = {}): Promise<SalesforceEmulator> {
    const emulator = new SalesforceEmulator(options)
    const server = createServer((request, response) => {
      emulator.handle(request, response).catch((error: unknown) => {
        response.writeHead(500, { "content-type": "text/plain" }).end(String(error))
      })
    })
    await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve))
    emulator.server = server
    emulator.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    return emulator
  }

  close(): Promise<void> {
    const server = this.server
    if (server === undefined) return Promise.resolve()
    return new Promise((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  }

  injectFault(fault: Fault): void {
    this.faults.push({ ...fault, times: fault.times ?? 1 })
  }

  /** The requests of one kind, optionally for one job. */
  requestsOf(kind: RequestKind, jobId?: string): ReadonlyArray<LoggedRequest> {
    return this.requests.filter((r) => r.kind === kind && (jobId === undefined || r.jobId === jobId))
  }

  private async handle(request: IncomingMessage, response: ServerResponse) {
    const method = request.method ?? "GET"
    const path = new URL(request.url ?? "/", "http://127.0.0.1").pathname
    const body = await readBody(request)
    const route = this.route(method, path, body)
    const log = (status: number, extra: Partial<LoggedRequest> = {}) =>
      this.requests.push({ method, path, kind: route.kind, status, ...route.extra, ...extra })
    const send = (status: number, contentType: string, text: string, extra?: Partial<LoggedRequest>) => {
      log(status, extra)
      response.writeHead(status, { "content-type": contentType }).end(text)
    }
    const sendFault = (fault: ApiFault) =>
      send(
        fault.status,
        "application/json;charset=UTF-8",
        JSON.stringify([{ errorCode: fault.errorCode, message: fault.message }]),
      )
    const fault = this.takeFault(route.kind)
    if (fault !== undefined) return sendFault(fault)
    const answer = (result: AuthAnswer) => send(result.status, result.contentType, result.body)
    if (route.kind === "soapLogin") return answer(this.sessions.soapLogin(body, this.url, route.version ?? "62.0"))
    if (route.kind === "oauthToken") return answer(this.sessions.oauthToken(body, this.url))
    if (route.kind === "unknown") return sendFault(new ApiFault(404, "NOT_FOUND", `No such resource: ${path}`))
    const token = /^(?:Bearer|OAuth) (.+)$/.exec(request.headers.authorization ?? "")?.[1]
    if (!this.sessions.isValid(token)) {
      return sendFault(new ApiFault(401, "INVALID_SESSION_ID", "Session expired or invalid"))
    }
    if (this.limits.apiRequestsRemaining === 0) {
      return sendFault(new ApiFault(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."))
    }
    this.limits.apiRequests += 1
    const jobId = route.extra.jobId ?? ""
    const json = (result: Record<string, unknown> | ApiFault, status = 200) =>
      result instanceof ApiFault
        ? sendFault(result)
        : send(status, "application/json;charset=UTF-8", JSON.stringify(result))
    switch (route.kind) {
      case "limits":
        return json(this.limits.report())
      case "createJob":
        return json(this.jobs.create(parseJson(body)))
      case "jobInfo":
        return json(this.jobs.info(jobId))
      case "closeJob":
      case "abortJob":
        return json(this.jobs.patch(jobId, parseJson(body)))
      case "deleteJob": {
        const removed = this.jobs.remove(jobId)
        return removed instanceof ApiFault ? sendFault(removed) : send(204, "text/plain", "")
      }
      case "upload": {
        if (!(request.headers["content-type"] ?? "").startsWith("text/csv")) {
          return sendFault(new ApiFault(400, "INVALIDCONTENTTYPE", "Content-Type must be text/csv"))
        }
        const uploaded = this.jobs.upload(jobId, body)
        if (uploaded instanceof ApiFault) return sendFault(uploaded)
        return send(201, "text/plain", "", { externalIds: uploaded })
      }
      case "collectionsUpsert":
      case "describe": {
        const answer = this.rest.answer(route.kind, route.extra, body)
        if (answer instanceof ApiFault) return sendFault(answer)
        return send(200, "application/json;charset=UTF-8", JSON.stringify(answer.body), answer.logged)
      }
      case "results": {
        const csv = this.jobs.results(jobId, route.resultKind as ResultKind)
        return csv instanceof ApiFault ? sendFault(csv) : send(200, "text/csv", csv)
      }
    }
  }

  private takeFault(kind: RequestKind): ApiFault | undefined {
    const fault = this.faults.find((f) => f.kind === kind && (f.times ?? 0) > 0)
    if (fault === undefined) return undefined
    fault.times = (fault.times ?? 1) - 1
    // An expired session stays expired: the client has to log in again.
    if (fault.errorCode === "INVALID_SESSION_ID") this.sessions.expire()
    return new ApiFault(fault.status, fault.errorCode, fault.message ?? `${fault.errorCode} (injected)`)
  }

  private route(
    method: string,
    path: string,
    body: string,
  ): { kind: RequestKind; version?: string; resultKind?: string; extra: Partial<Record<RouteName, string>> } {
    const soap = /^\/services\/Soap\/u\/(\d+\.\d)\/?$/.exec(path)
    if (method === "POST" && soap) return { kind: "soapLogin", version: soap[1] as string, extra: {} }
    if (method === "POST" && path === "/services/oauth2/token") return { kind: "oauthToken", extra: {} }
    const rest = restRoute(method, path)
    if (rest !== undefined) return { kind: rest.kind, extra: rest }
    if (method === "GET" && LIMITS.test(path)) return { kind: "limits", extra: {} }
    const ingest = INGEST.exec(path)
    if (!ingest) return { kind: "unknown", extra: {} }
    const [, , jobId, sub] = ingest
    if (jobId === undefined) return { kind: method === "POST" ? "createJob" : "unknown", extra: {} }
    const extra = { jobId }
    if (sub === "batches") return { kind: method === "PUT" ? "upload" : "unknown", extra }
    if (sub !== undefined) return { kind: method === "GET" ? "results" : "unknown", resultKind: sub, extra }
    if (method === "GET") return { kind: "jobInfo", extra }
    if (method === "DELETE") return { kind: "deleteJob", extra }
    if (method === "PATCH") {
      const aborting = (parseJson(body) as { state?: unknown } | undefined)?.state === "Aborted"
      return { kind: aborting ? "abortJob" : "closeJob", extra }
    }
    return { kind: "unknown", extra }
  }
}

/** The emulator as a scoped resource: started on 127.0.0.1, closed when the scope ends. */
export const salesforceEmulator = (
  options: SalesforceEmulatorOptions = {},
): Effect.Effect<SalesforceEmulator, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(() => SalesforceEmulator.start(options)),
    (emulator) => Effect.promise(() => emulator.close()),
  )
