import { createHmac } from "node:crypto"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import type { DataLakeFileSystemClient, RestError } from "@azure/storage-file-datalake"
import { DataLakeServiceClient, StorageSharedKeyCredential } from "@azure/storage-file-datalake"
import { Effect } from "effect"
import type { AdlsEmulator } from "../../../src/emulators/adls/AdlsEmulator.js"
import { adlsEmulator } from "../../../src/emulators/adls/AdlsEmulator.js"
import { stringToSign } from "../../../src/emulators/adls/AdlsSharedKey.js"
import { tempDir } from "../../support/lakeContract.js"
import { assert, describe, it } from "../../support/vitest.js"

const fileSystemOf = (emulator: AdlsEmulator, key = emulator.accountKey): DataLakeFileSystemClient =>
  new DataLakeServiceClient(emulator.url, new StorageSharedKeyCredential(emulator.account, key), {
    retryOptions: { maxTries: 1 },
  }).getFileSystemClient("lake")

const restError = (promise: Promise<unknown>) =>
  Effect.flip(Effect.tryPromise({ try: () => promise, catch: (e) => e as RestError }))

/** A raw request signed for `signedPath` (and `signedHeaders`), sent to `path` (with `headers`). */
const rawHead = async (
  emulator: AdlsEmulator,
  path: string,
  options: { signedPath?: string; headers?: Record<string, string>; signedHeaders?: Record<string, string> } = {},
) => {
  const base = { "x-ms-date": new Date().toUTCString(), "x-ms-version": "2025-01-05" }
  const signed = { ...base, ...(options.signedHeaders ?? options.headers) }
  const text = stringToSign(
    { method: "HEAD", pathname: options.signedPath ?? path, search: "", headers: signed },
    emulator.account,
  )
  const signature = createHmac("sha256", Buffer.from(emulator.accountKey, "base64")).update(text).digest("base64")
  const response = await fetch(`http://127.0.0.1:${emulator.port}${path}`, {
    method: "HEAD",
    headers: { ...base, ...options.headers, authorization: `SharedKey ${emulator.account}:${signature}` },
  })
  return { status: response.status, code: response.headers.get("x-ms-error-code") }
}

describe("ADLS Gen2 emulator", () => {
  it.live("assembles appends that arrive out of order at flush, and shows none of them before", () =>
    Effect.gen(function* () {
      const emulator = yield* adlsEmulator()
      const fs = fileSystemOf(emulator)
      const file = fs.getFileClient("dir/parts.bin")
      yield* Effect.promise(async () => {
        await fs.create()
        await file.create()
        await file.append(Buffer.from("world"), 6, 5)
        await file.append(Buffer.from("hello "), 0, 6)
      })
      const before = yield* Effect.promise(() => file.getProperties())
      assert.strictEqual(before.contentLength, 0)

      const gap = yield* restError(file.flush(20))
      assert.strictEqual(gap.statusCode, 400)
      assert.strictEqual(gap.code, "InvalidFlushPosition")

      yield* Effect.promise(() => file.flush(11))
      const after = yield* Effect.promise(() => file.readToBuffer())
      assert.strictEqual(after.toString(), "hello world")
      const range = yield* Effect.promise(() => file.readToBuffer(6, 5))
      assert.strictEqual(range.toString(), "world")
    }).pipe(Effect.scoped),
  )

  it.live("refuses a wrong key with 403 AuthenticationFailed on the blob and the dfs surface", () =>
    Effect.gen(function* () {
      const emulator = yield* adlsEmulator()
      yield* Effect.promise(() => fileSystemOf(emulator).create())
      const wrong = fileSystemOf(emulator, Buffer.alloc(64, 1).toString("base64"))
      for (const call of [wrong.getFileClient("a.bin").getProperties(), wrong.getFileClient("a.bin").create()]) {
        const error = yield* restError(call)
        assert.strictEqual(error.statusCode, 403)
        assert.strictEqual((error.details as { errorCode?: string }).errorCode, "AuthenticationFailed")
      }
      assert.deepStrictEqual(emulator.files("lake"), [])
    }).pipe(Effect.scoped),
  )

  it.live("checks that the signature covers this very request: path and x-ms headers", () =>
    Effect.gen(function* () {
      const emulator = yield* adlsEmulator()
      const path = `/${emulator.account}/lake/a.bin`
      const results = yield* Effect.promise(async () => [
        await rawHead(emulator, path),
        await rawHead(emulator, path, { signedPath: `/${emulator.account}/lake/b.bin` }),
        await rawHead(emulator, path, { headers: { "x-ms-meta-a": "1" }, signedHeaders: { "x-ms-meta-a": "2" } }),
        await fetch(`http://127.0.0.1:${emulator.port}${path}`, { method: "HEAD" }).then((r) => ({
          status: r.status,
          code: r.headers.get("x-ms-error-code"),
        })),
      ])
      assert.deepStrictEqual(results, [
        { status: 404, code: "ContainerNotFound" },
        { status: 403, code: "AuthenticationFailed" },
        { status: 403, code: "AuthenticationFailed" },
        { status: 401, code: "NoAuthenticationInformation" },
      ])
    }).pipe(Effect.scoped),
  )

  it.live("lists paths page by page, directories included", () =>
    Effect.gen(function* () {
      const emulator = yield* adlsEmulator()
      const fs = fileSystemOf(emulator)
      const names = yield* Effect.promise(async () => {
        await fs.create()
        for (const name of ["x/1", "x/2", "x/y/3", "z"]) await fs.getFileClient(name).upload(Buffer.from(name))
        const seen: Array<string> = []
        for await (const page of fs.listPaths({ recursive: true }).byPage({ maxPageSize: 2 })) {
          assert.isAtMost(page.pathItems?.length ?? 0, 2)
          for (const p of page.pathItems ?? []) seen.push(`${p.name}${p.isDirectory ? "/" : `:${p.contentLength}`}`)
        }
        return seen
      })
      assert.deepStrictEqual(names, ["x/", "x/1:3", "x/2:3", "x/y/", "x/y/3:5", "z:1"])
    }).pipe(Effect.scoped),
  )

  it.live("keeps objects in a directory across restarts, bytes as plain files", () =>
    Effect.gen(function* () {
      const dir = tempDir()
      yield* Effect.scoped(
        Effect.flatMap(adlsEmulator({ dir }), (emulator) =>
          Effect.promise(async () => {
            const fs = fileSystemOf(emulator)
            await fs.create()
            await fs.getFileClient("w/f.txt").upload(Buffer.from("kept"), { metadata: { sha256: "abc" } })
          }),
        ),
      )
      assert.strictEqual(readFileSync(join(dir, "lake", "w", "f.txt"), "utf8"), "kept")
      const again = yield* adlsEmulator({ dir })
      const file = fileSystemOf(again).getFileClient("w/f.txt")
      const props = yield* Effect.promise(() => file.getProperties())
      assert.deepStrictEqual(props.metadata, { sha256: "abc" })
      assert.strictEqual((yield* Effect.promise(() => file.readToBuffer())).toString(), "kept")
      yield* Effect.promise(() => file.delete())
      assert.isFalse(existsSync(join(dir, "lake", "w", "f.txt")))
    }).pipe(Effect.scoped),
  )

  it.live("answers a share of calls with 503 ServerBusy, the same share for the same seed", () =>
    Effect.gen(function* () {
      const busy = (seed: number) =>
        Effect.scoped(
          Effect.flatMap(adlsEmulator({ fault503Pct: 30, seed }), (emulator) =>
            Effect.promise(async () => {
              const file = fileSystemOf(emulator).getFileClient("a")
              for (let i = 0; i < 60; i++) await file.exists().catch(() => undefined)
              return emulator.requests().map((r) => r.status)
            }),
          ),
        )
      const first = yield* busy(7)
      const failed = first.filter((s) => s === 503).length
      assert.isAtLeast(failed, 8)
      assert.isAtMost(failed, 30)
      assert.deepStrictEqual(yield* busy(7), first)
    }).pipe(Effect.scoped),
  )
})
