import type { RunningEcomApi } from "../../src/emulators/events-api/EcomApiServer.js"
import type { Fault } from "../../src/emulators/events-api/EcomFaults.js"
import { CELL_TIMEOUT, type RunResult } from "../support/reliability/FaultCell.js"
import { type LiveCase, liveCell } from "../support/reliability/LiveStack.js"
import { assert, describe, it } from "../support/vitest.js"

const data = (api: RunningEcomApi) => api.requests().filter((r) => r.path === "/datasets/ecom_events")

const retries = (result: RunResult) => result.logs.filter((l) => l.message === "Events API request failed, retrying")

/** The faults the first data requests get, in order; everything after them is answered. */
const burst =
  (...sequence: ReadonlyArray<Fault>) =>
  () => ({ api: { sequence } })

/**
 * Page 1 and a few more answered, then the faults: where in the week they land depends on the
 * seed, so the long mode puts them at different pages.
 */
const partWay =
  (...faults: ReadonlyArray<Fault>) =>
  (seed: number) => ({ api: { sequence: [...Array<Fault>(1 + (seed % 4)).fill("ok"), ...faults] } })

/** Each faulted request was retried: its page has a retry line naming the error it met. */
const retriedEach = (errorType: string) => (stack: { api: RunningEcomApi }, result: RunResult) => {
  const faulted = data(stack.api).filter((r) => r.fault !== "ok")
  assert.isAbove(faulted.length, 0, "the fault was injected")
  const retried = retries(result).filter((l) => l.error_type === errorType)
  for (const request of faulted) {
    assert.isTrue(
      retried.some((l) => l.page === request.page),
      `page ${request.page} was retried after ${request.fault}`,
    )
  }
  assert.isAtLeast(retried.length, faulted.length)
}

/** The fault ended the run on the spot: the refused page was asked once, never retried. */
const refusedOnce = (status: number) => (stack: { api: RunningEcomApi }, result: RunResult) => {
  const refused = data(stack.api).filter((r) => r.status === status)
  assert.strictEqual(refused.length, 1)
  assert.strictEqual(data(stack.api).filter((r) => r.page === refused[0]?.page).length, 1, "no retry of a refused key")
  assert.deepStrictEqual(retries(result), [])
}

/** Page 1 met the fault on every attempt the budget allows (API_MAX_RETRIES=2), then the run stopped. */
const exhausted = (fault: Fault) => (stack: { api: RunningEcomApi }, result: RunResult) => {
  assert.deepStrictEqual(
    data(stack.api).map((r) => [r.page, r.fault]),
    [
      [1, fault],
      [1, fault],
    ],
  )
  assert.strictEqual(retries(result).length, 1)
}

const CASES: ReadonlyArray<LiveCase> = [
  {
    name: "events API × slow response past the client timeout",
    stack: partWay("slow"),
    env: { API_TIMEOUT_SECONDS: "1" },
    expect: "recovers",
    evidence: retriedEach("ApiTimeoutError"),
  },
  {
    name: "events API × 429 burst with Retry-After",
    stack: (seed) => ({ api: { ...partWay("429", "429", "429")(seed).api, retryAfterSeconds: 1 } }),
    expect: "recovers",
    evidence: (stack, result) => {
      retriedEach("ApiResponseError")(stack, result)
      // The client waited what the server asked for, not its own (shortened) backoff.
      for (const line of retries(result)) assert.isAtLeast(Number(line.retry_in_ms), 900)
      const requests = data(stack.api)
      for (const limited of requests.filter((r) => r.status === 429)) {
        const again = requests.find((r) => r.page === limited.page && r.at > limited.at)
        assert.isAtLeast((again?.at ?? 0) - limited.at, 900, `page ${limited.page} asked again after Retry-After`)
      }
    },
  },
  {
    name: "events API × 5xx burst (500, 502, 503, 504)",
    stack: partWay("500", "502", "503", "504", "503"),
    expect: "recovers",
    evidence: (stack, result) => {
      retriedEach("ApiResponseError")(stack, result)
      assert.deepStrictEqual(new Set(data(stack.api).map((r) => r.status)), new Set([200, 500, 502, 503, 504]))
    },
  },
  {
    name: "events API × dropped connection mid-body",
    stack: partWay("drop", "drop"),
    expect: "recovers",
    evidence: retriedEach("ApiConnectionError"),
  },
  {
    name: "events API × 401 part-way through the week (key expired; real process)",
    stack: partWay("ok", "401"),
    process: true,
    expect: "AuthenticationError",
    evidence: refusedOnce(401),
  },
  {
    name: "events API × 403 part-way through the week (key revoked)",
    stack: partWay("ok", "ok", "403"),
    expect: "AuthenticationError",
    evidence: refusedOnce(403),
  },
  {
    name: "events API × slow on every attempt (beyond the retry budget)",
    stack: burst("slow", "slow"),
    env: { API_TIMEOUT_SECONDS: "1", API_MAX_RETRIES: "2" },
    expect: "ApiTimeoutError",
    evidence: exhausted("slow"),
  },
  {
    name: "events API × 429 on every attempt (beyond the retry budget)",
    stack: () => ({ api: { sequence: ["429", "429"], retryAfterSeconds: 0 } }),
    env: { API_MAX_RETRIES: "2" },
    expect: "ApiResponseError",
    evidence: exhausted("429"),
  },
  {
    name: "events API × 503 on every attempt (beyond the retry budget)",
    stack: burst("503", "503"),
    env: { API_MAX_RETRIES: "2" },
    expect: "ApiResponseError",
    evidence: exhausted("503"),
  },
  {
    name: "events API × dropped connection on every attempt (beyond the retry budget)",
    stack: burst("drop", "drop"),
    env: { API_MAX_RETRIES: "2" },
    expect: "ApiConnectionError",
    evidence: exhausted("drop"),
  },
]

describe("fault matrix: the events API (real HttpClient against the emulator)", () => {
  for (const c of CASES) it.live(c.name, () => liveCell(c), CELL_TIMEOUT)
})
