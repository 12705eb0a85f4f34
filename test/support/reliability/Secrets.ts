import { readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { assert } from "../vitest.js"
import { tally } from "./Tally.js"

/**
 * The secrets every reliability test configures, each distinctive enough that finding one in any
 * byte the suite produced can only be a leak. The account key is a valid base64 key, so the ADLS
 * emulator can be started with it and the SDK really signs with it.
 */
export const SECRETS = {
  API_KEY: "rel-api-key-Q7f3a9c2",
  AZURE_SQL_PASSWORD: "rel-sql-pass-Vx81!k",
  SF_PASSWORD: "rel-sf-pass-Zq81x0",
  SF_SECURITY_TOKEN: "rel-sf-token-Kk20aa",
  AZURE_STORAGE_ACCOUNT_KEY: Buffer.from("rel-account-key-0123456789abcdef-XYZ").toString("base64"),
} as const

/** A secret as it could show up: raw, URL-encoded, JSON-escaped. */
const forms = (secret: string): ReadonlyArray<string> => [
  secret,
  encodeURIComponent(secret),
  JSON.stringify(secret).slice(1, -1),
]

const NEEDLES = Object.entries(SECRETS).flatMap(([name, value]) =>
  forms(value).map((form) => ({ name, form: Buffer.from(form) })),
)

/** Fails the test if any secret is in `bytes`, naming the secret and where it was found. */
export const assertNoSecrets = (where: string, bytes: string | Uint8Array): void => {
  const haystack = typeof bytes === "string" ? Buffer.from(bytes) : Buffer.from(bytes)
  for (const needle of NEEDLES) {
    assert.strictEqual(haystack.indexOf(needle.form), -1, `${needle.name} leaked into ${where}`)
  }
}

/** Every file under `dir` (logs, sidecars, state, Parquet, the SQLite warehouse, CSVs), grepped. */
export const assertNoSecretsUnder = (dir: string, label = dir): number => {
  let files = 0
  const walk = (path: string) => {
    for (const name of readdirSync(path)) {
      const full = join(path, name)
      if (statSync(full).isDirectory()) walk(full)
      else {
        assertNoSecrets(`${label}/${full.slice(dir.length + 1)}`, readFileSync(full))
        files++
      }
    }
  }
  walk(dir)
  return files
}

/** Scans what a case produced and counts the scan in the tally. */
export const scanCase = (
  name: string,
  outputs: ReadonlyArray<string | Uint8Array>,
  dirs: ReadonlyArray<string> = [],
) => {
  for (const [i, bytes] of outputs.entries()) assertNoSecrets(`${name} output ${i}`, bytes)
  const files = dirs.reduce((n, dir) => n + assertNoSecretsUnder(dir), 0)
  tally({ suite: "secrets", case: name, tried: outputs.length + files, passed: outputs.length + files })
}
