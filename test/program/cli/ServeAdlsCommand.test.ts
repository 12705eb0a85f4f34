import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { DEV_ACCOUNT, DEV_ACCOUNT_KEY } from "../../../src/emulators/adls/AdlsSharedKey.js"
import * as AppConfigProvider from "../../../src/layers/config/AppConfigProvider.js"
import * as LakeAdls from "../../../src/layers/lake/LakeAdls.js"
import { Lake } from "../../../src/services/Lake.js"
import { BIN, jsonLines, runCli } from "../../support/cli.js"
import { localFile, tempDir } from "../../support/lakeContract.js"
import { assert, describe, it } from "../../support/vitest.js"

interface Served {
  readonly url: string
  readonly stderr: () => string
  readonly exit: Promise<number | null>
}

/** Starts `serve-adls` with `args`, ready once it prints its URL; SIGTERM on release. */
const serveAdls = (args: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        spawn(process.execPath, [BIN, "serve-adls", "--port", "0", ...args], {
          env: { PATH: process.env.PATH ?? "" },
          stdio: ["ignore", "pipe", "pipe"],
        }),
      ),
      (child) => Effect.sync(() => child.kill("SIGKILL")),
    )
    let stderr = ""
    child.stderr.on("data", (chunk) => {
      stderr += chunk
    })
    const exit = new Promise<number | null>((resolve) => child.on("close", resolve))
    const url = yield* Effect.async<string, Error>((resume) => {
      let stdout = ""
      child.stdout.on("data", (chunk) => {
        stdout += chunk
        const found = /^(http:\/\/\S+)$/m.exec(stdout)?.[1]
        if (found) resume(Effect.succeed(found))
      })
      child.on("error", (error) => resume(Effect.fail(error)))
    })
    return { url, stderr: () => stderr, exit, stop: () => child.kill("SIGTERM") } satisfies Served & {
      stop: () => void
    }
  })

describe("reverse-etl serve-adls", () => {
  it.live("serves a lake the Data Lake SDK can put into, kept in --dir, and exits 130 on SIGTERM", () =>
    Effect.gen(function* () {
      const dir = tempDir()
      const server = yield* serveAdls(["--dir", dir])
      const source = localFile(tempDir(), "f.bin", 70_000)
      yield* Effect.flatMap(Lake, (lake) => lake.put(source.path, "w/f.bin")).pipe(
        Effect.provide(
          LakeAdls.layerWith({ retryOptions: { maxTries: 1 } }).pipe(
            Layer.provide(
              AppConfigProvider.layerFromMap({
                STORAGE_ACCOUNT: DEV_ACCOUNT,
                CONTAINER: "lake",
                ADLS_ENDPOINT: server.url,
                AZURE_STORAGE_ACCOUNT_KEY: DEV_ACCOUNT_KEY,
              }),
            ),
            Layer.provide(NodeFileSystem.layer),
          ),
        ),
      )
      assert.isTrue(readFileSync(join(dir, "lake", "w", "f.bin")).equals(source.bytes))
      server.stop()
      assert.strictEqual(yield* Effect.promise(() => server.exit), 130)
      const listening = jsonLines(server.stderr()).find((l) => l.message === "ADLS Gen2 emulator listening")
      assert.strictEqual(listening?.url, server.url)
    }).pipe(Effect.scoped),
  )

  it.live("exits 1 naming a fault share out of range", () =>
    Effect.gen(function* () {
      const result = yield* runCli(["serve-adls", "--port", "0", "--fault-503-pct", "150"])
      assert.strictEqual(result.code, 1)
      assert.include(result.stderr, "--fault-503-pct must be from 0 to 100")
    }),
  )
})
