import type { RequestKind, SalesforceEmulator } from "../../src/emulators/salesforce/SalesforceEmulator.js"
import { CELL_TIMEOUT, type RunResult } from "../support/reliability/FaultCell.js"
import { SF_OBJECT } from "../support/reliability/FaultOutputs.js"
import { type LiveCase, liveCell } from "../support/reliability/LiveStack.js"
import { LONG } from "../support/reliability/Tally.js"
import { assert, describe, it } from "../support/vitest.js"

const statuses = (sf: SalesforceEmulator, kind: RequestKind) => sf.requestsOf(kind).map((r) => r.status)

const RUN_FAILED_JOB = "InvalidBatch : Failed to process query: the org is in maintenance (injected)"

/** The rows of the job Salesforce failed went again, in one new job, and reached the org once. */
const resentOnce = (sf: SalesforceEmulator) => {
  const uploads = sf.requestsOf("upload").filter((r) => r.status === 201)
  const failed = uploads.filter((r) => sf.jobs.state(r.jobId ?? "") === "Failed")
  assert.strictEqual(failed.length, 1)
  const again = uploads.filter((r) => r.jobId !== failed[0]?.jobId).flatMap((r) => r.externalIds ?? [])
  assert.deepStrictEqual([...(failed[0]?.externalIds ?? [])].sort(), [...again].sort())
}

const syncLine = (result: RunResult) => result.logs.find((l) => l.message === "Salesforce sync complete")

const CASES: ReadonlyArray<LiveCase> = [
  {
    name: "Salesforce × 5xx burst (upload 503, status check 500)",
    inject: ({ sf }) => {
      sf.injectFault({ kind: "upload", status: 503, errorCode: "SERVER_UNAVAILABLE" })
      sf.injectFault({ kind: "jobInfo", status: 500, errorCode: "UNKNOWN_EXCEPTION" })
    },
    expect: "recovers",
    evidence: ({ sf }) => {
      assert.deepStrictEqual(statuses(sf, "upload"), [503, 201])
      assert.strictEqual(statuses(sf, "jobInfo")[0], 500)
      // The job whose upload failed was aborted: its rows went up again in a new job, once.
      assert.deepStrictEqual(statuses(sf, "abortJob"), [200])
    },
  },
  {
    name: "Salesforce × REQUEST_LIMIT_EXCEEDED",
    inject: ({ sf }) => sf.injectFault({ kind: "createJob", status: 403, errorCode: "REQUEST_LIMIT_EXCEEDED" }),
    expect: "recovers",
    evidence: ({ sf }) => assert.deepStrictEqual(statuses(sf, "createJob"), [403, 200]),
  },
  ...(["createJob", "upload", "closeJob", "jobInfo", "results"] as const).map(
    (kind): LiveCase => ({
      name: `Salesforce × expired session on ${kind} (INVALID_SESSION_ID → login again)`,
      inject: ({ sf }) => sf.injectFault({ kind, status: 401, errorCode: "INVALID_SESSION_ID" }),
      expect: "recovers",
      evidence: ({ sf }) => {
        assert.strictEqual(statuses(sf, kind)[0], 401)
        assert.strictEqual(sf.sessions.logins, 2, "one login, then one more after the session expired")
      },
    }),
  ),
  {
    name: "Salesforce × INVALID_LOGIN",
    env: { SF_PASSWORD: "not-the-password" },
    expect: "AuthenticationError",
    evidence: ({ sf }) => {
      assert.deepStrictEqual(statuses(sf, "soapLogin"), [500])
      assert.deepStrictEqual(statuses(sf, "createJob"), [], "nothing is sent without a session")
    },
  },
  {
    name: "Salesforce × a job that fails",
    inject: ({ sf }) => {
      sf.jobs.failNextJob = RUN_FAILED_JOB
    },
    expect: "SalesforceSyncError",
    evidence: ({ sf }, result) => {
      assert.strictEqual(sf.store.records(SF_OBJECT).size, 0)
      assert.strictEqual(syncLine(result)?.failed_count, sf.requestsOf("upload")[0]?.externalIds?.length)
    },
    after: ({ sf }) => resentOnce(sf),
  },
  {
    name: "Salesforce × job still running when polling gives up",
    env: { SF_POLL_TIMEOUT_SECONDS: "1" },
    inject: ({ sf }) => {
      sf.jobs.inProgressPolls = 1_000_000
    },
    expect: "SalesforceSyncError",
    evidence: ({ sf }) => {
      assert.strictEqual(sf.store.records(SF_OBJECT).size, 0)
      assert.strictEqual(statuses(sf, "abortJob").length, 0, "a running job is left to finish, not aborted")
    },
    // Salesforce finishes the job meanwhile; the next run collects it instead of sending its rows again.
    heal: ({ sf }) => {
      sf.jobs.inProgressPolls = 1
      sf.jobs.finishAll()
    },
    after: ({ sf }) => {
      assert.strictEqual(sf.requestsOf("upload").length, 1, "the clean run collected the job, sending nothing again")
    },
  },
  {
    name: "Salesforce × four jobs in flight, all still running when polling gives up",
    env: { SF_POLL_TIMEOUT_SECONDS: "1", SF_BATCH_SIZE: "50", SF_MAX_CONCURRENT_JOBS: "4" },
    inject: ({ sf }) => {
      sf.jobs.inProgressPolls = 1_000_000
    },
    expect: "SalesforceSyncError",
    evidence: ({ sf }) => {
      assert.deepStrictEqual(statuses(sf, "closeJob"), [200, 200, 200, 200], "four jobs went up at once")
      assert.strictEqual(statuses(sf, "abortJob").length, 0, "running jobs are left to finish, not aborted")
      assert.strictEqual(sf.store.records(SF_OBJECT).size, 0)
    },
    heal: ({ sf }) => {
      sf.jobs.inProgressPolls = 1
      sf.jobs.finishAll()
    },
    after: ({ sf }) => {
      const [first, second, third, fourth] = sf.requestsOf("closeJob").map((r) => r.jobId)
      for (const jobId of [first, second, third, fourth]) {
        assert.strictEqual(sf.jobs.state(jobId ?? ""), "JobComplete", `job ${jobId} was collected`)
      }
      assert.strictEqual(sf.requestsOf("upload").length, sf.requestsOf("createJob").length, "one upload a job")
      assert.strictEqual(statuses(sf, "abortJob").length, 0)
    },
  },
  // Four 5xx answers in a row outlast the sync's retries (2 s, 4 s, 8 s): 14 s, so the long mode only.
  ...(LONG
    ? [
        {
          name: "Salesforce × 503 on every attempt (beyond the retry budget)",
          inject: ({ sf }) =>
            sf.injectFault({ kind: "createJob", status: 503, errorCode: "SERVER_UNAVAILABLE", times: 4 }),
          expect: "SalesforceSyncError",
          evidence: ({ sf }) => assert.deepStrictEqual(statuses(sf, "createJob"), [503, 503, 503, 503]),
        } satisfies LiveCase,
      ]
    : []),
]

describe("fault matrix: Salesforce (real jsforce against the emulator)", () => {
  for (const c of CASES) it.live(c.name, () => liveCell(c), CELL_TIMEOUT)
})
