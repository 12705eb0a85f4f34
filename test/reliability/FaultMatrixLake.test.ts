import {
  AccountSASPermissions,
  generateAccountSASQueryParameters,
  StorageSharedKeyCredential,
} from "@azure/storage-file-datalake"
import type { AdlsEmulator } from "../../src/emulators/adls/AdlsEmulator.js"
import { CELL_TIMEOUT, type RunResult } from "../support/reliability/FaultCell.js"
import { type LiveCase, liveCell } from "../support/reliability/LiveStack.js"
import { assert, describe, it } from "../support/vitest.js"

const retries = (result: RunResult) =>
  result.logs.filter((l) => l.message === "ADLS call failed, will retry if attempts remain")

/** Every request the lake refused or cut (a 404 for a file not there yet is an answer, not a fault). */
const refusals = (lake: AdlsEmulator) =>
  lake.requests().filter((r) => (r.status >= 400 ? r.status !== 404 : r.status === 0))

/** Each injected failure met a retry of ours (the SDK's own retries are off in-process). */
const retriedEach = (expected: number) => (stack: { lake: AdlsEmulator }, result: RunResult) => {
  assert.strictEqual(refusals(stack.lake).length, expected, "the faults were injected")
  assert.strictEqual(retries(result).length, expected)
}

/** A different, well-formed account key: every request is signed, and every signature is wrong. */
const WRONG_KEY = Buffer.from("not-the-account-key-0123456789abcdef").toString("base64")

const expiredSas = (lake: AdlsEmulator) =>
  generateAccountSASQueryParameters(
    {
      expiresOn: new Date(Date.now() - 60_000),
      permissions: AccountSASPermissions.parse("rwdlacup"),
      services: "b",
      resourceTypes: "sco",
    },
    new StorageSharedKeyCredential(lake.account, lake.accountKey),
  ).toString()

/**
 * The credential was refused once and not tried again: nothing reached the lake. The run stops
 * at its first lake call, asking whether the week is already done, before it starts: no run row.
 */
const refusedOnce = (stack: { lake: AdlsEmulator }, result: RunResult) => {
  assert.deepStrictEqual(
    refusals(stack.lake).map((r) => r.status),
    [403],
  )
  assert.deepStrictEqual(retries(result), [])
  assert.deepStrictEqual(stack.lake.files("lake"), [])
}

const CASES: ReadonlyArray<LiveCase> = [
  {
    name: "lake × 503 burst (metadata, append, rename)",
    inject: ({ lake }) => {
      lake.failNext(2)
      lake.failNext(1, { operation: "append" })
      lake.failNext(1, { operation: "rename" })
    },
    expect: "recovers",
    evidence: retriedEach(4),
  },
  {
    name: "lake × dropped connection mid-append",
    inject: ({ lake }) => lake.dropNextAppends(1),
    expect: "recovers",
    evidence: (stack, result) => {
      assert.strictEqual(stack.lake.count("append", 0), 1, "an append was cut")
      retriedEach(1)(stack, result)
    },
  },
  {
    name: "lake × 503 on every append (beyond the retry budget)",
    inject: ({ lake }) => lake.failNext(4, { operation: "append" }),
    expect: "AzureStorageError",
    evidence: (stack, result) => {
      assert.strictEqual(stack.lake.count("append", 503), 4)
      assert.strictEqual(retries(result).length, 4)
    },
  },
  {
    name: "lake × dropped connection on every append (beyond the retry budget)",
    inject: ({ lake }) => lake.dropNextAppends(4),
    expect: "AzureStorageError",
    evidence: (stack, result) => {
      assert.strictEqual(stack.lake.count("append", 0), 4)
      assert.strictEqual(retries(result).length, 4)
    },
  },
  {
    name: "lake × wrong account key (real process)",
    env: { AZURE_STORAGE_ACCOUNT_KEY: WRONG_KEY },
    process: true,
    expect: "AuthenticationError",
    runRow: false,
    evidence: refusedOnce,
  },
  {
    name: "lake × expired SAS",
    inject: (stack) => {
      stack.env.AZURE_STORAGE_ACCOUNT_KEY = ""
      stack.env.AZURE_STORAGE_SAS_TOKEN = expiredSas(stack.lake)
    },
    expect: "AuthenticationError",
    runRow: false,
    evidence: refusedOnce,
    heal: (stack) => {
      stack.env.AZURE_STORAGE_SAS_TOKEN = ""
      stack.env.AZURE_STORAGE_ACCOUNT_KEY = stack.lake.accountKey
    },
  },
]

describe("fault matrix: the lake (real Azure SDK against the ADLS emulator)", () => {
  for (const c of CASES) it.live(c.name, () => liveCell(c), CELL_TIMEOUT)
})
