import { Either } from "effect"
import { mix32, unit } from "./EcomCatalog.js"

/**
 * Faults the emulator can inject into data requests (`/datasets/ecom_events`; `/health` is never
 * faulted): statuses, a response held past the client's timeout, a connection dropped halfway
 * through the body. `401` stands for a key that expired or was rotated part-way through a run,
 * `403` for a key that is known but not allowed (revoked, wrong scope).
 */
export const FAULT_KINDS = ["429", "500", "502", "503", "504", "slow", "drop", "401", "403"] as const
export type FaultKind = (typeof FAULT_KINDS)[number]
export type Fault = FaultKind | "ok"

/** The kinds a client should retry through; `transient:PCT` spreads a share evenly over them. */
export const TRANSIENT_KINDS: ReadonlyArray<FaultKind> = ["429", "500", "502", "503", "504", "drop"]

export interface FaultSettings {
  /** Percent of data requests that get each fault, decided per (page, attempt) from the seed. */
  readonly shares: Partial<Record<FaultKind, number>>
  /** Faults for the first data requests, in arrival order, before the shares apply: exact tests. */
  readonly sequence: ReadonlyArray<Fault>
  /** `Retry-After` of a 429, in seconds. */
  readonly retryAfterSeconds: number
  /** `seconds` (`Retry-After: 3`) or `date` (`Retry-After: Wed, 21 Oct 2015 07:28:00 GMT`). */
  readonly retryAfterFormat: "seconds" | "date"
  /** How long a `slow` response is held (real time), longer than any client timeout by default. */
  readonly slowMs: number
}

export const noFaults: FaultSettings = {
  shares: {},
  sequence: [],
  retryAfterSeconds: 1,
  retryAfterFormat: "seconds",
  slowMs: 310_000,
}

const isFault = (text: string): text is Fault => text === "ok" || (FAULT_KINDS as ReadonlyArray<string>).includes(text)

/**
 * Adds one `--fault` spec to `settings`: `KIND:PCT` (`503:5`, `slow:1`, `drop:2`),
 * `transient:PCT` (spread over 429, 5xx and drops) or `sequence:F,F,...` (`sequence:429,503,ok`).
 */
export const addFaultSpec = (settings: FaultSettings, spec: string): Either.Either<FaultSettings, string> => {
  const [name = "", value = ""] = spec.split(":", 2).map((part) => part.trim())
  if (name === "sequence") {
    const steps = value.split(",").map((step) => step.trim())
    const bad = steps.find((step) => !isFault(step))
    if (bad !== undefined || value === "") {
      return Either.left(`fault sequence step "${bad ?? ""}" must be one of ok, ${FAULT_KINDS.join(", ")}`)
    }
    return Either.right({ ...settings, sequence: [...settings.sequence, ...(steps as Array<Fault>)] })
  }
  const pct = Number(value)
  if (value === "" || !Number.isFinite(pct) || pct < 0 || pct > 100) {
    return Either.left(`fault "${spec}" needs a percentage from 0 to 100, e.g. 503:5`)
  }
  if (name === "transient") {
    const each = pct / TRANSIENT_KINDS.length
    const shares = { ...settings.shares }
    for (const kind of TRANSIENT_KINDS) shares[kind] = (shares[kind] ?? 0) + each
    return Either.right({ ...settings, shares })
  }
  if (!isFault(name) || name === "ok") {
    return Either.left(`fault kind "${name}" must be one of transient, sequence, ${FAULT_KINDS.join(", ")}`)
  }
  return Either.right({ ...settings, shares: { ...settings.shares, [name]: pct } })
}

/** Decides the fault of each data request; holds a counter per page (small, not per record). */
export interface FaultPlan {
  readonly next: (pageKey: string, page: number) => Fault
}

export const makeFaultPlan = (settings: FaultSettings, seed: number): FaultPlan => {
  let position = 0
  const attempts = new Map<string, number>()
  const key = mix32(seed ^ 0x2545f491)
  const total = FAULT_KINDS.reduce((sum, kind) => sum + (settings.shares[kind] ?? 0), 0)
  return {
    next: (pageKey, page) => {
      if (position < settings.sequence.length) return settings.sequence[position++] as Fault
      if (total <= 0) return "ok"
      const attempt = attempts.get(pageKey) ?? 0
      attempts.set(pageKey, attempt + 1)
      // A draw per (page, attempt): the same pages fail the same way however requests interleave.
      let roll = unit(mix32(key ^ mix32(page)), attempt + 1) * 100
      for (const kind of FAULT_KINDS) {
        roll -= settings.shares[kind] ?? 0
        if (roll < 0) return kind
      }
      return "ok"
    },
  }
}
