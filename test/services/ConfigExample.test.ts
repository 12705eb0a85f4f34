import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { PlatformConfigProvider } from "@effect/platform"
import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Either } from "effect"
import { loadSettings } from "../../src/services/AppConfig.js"
import { tempDir as makeTempDir } from "../support/TempDir.js"
import { assert, describe, it } from "../support/vitest.js"

const root = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), "utf8")

/** The setting names of the README's configuration table. */
const documented = (): ReadonlyArray<string> => {
  const table = root("README.md").split("## Configuration")[1]?.split("\n## ")[0] ?? ""
  const names = table
    .split("\n")
    .filter((line) => line.startsWith("| `"))
    .flatMap((line) => (line.split("|")[1] ?? "").match(/[A-Z][A-Z0-9_]+/g) ?? [])
  return [...new Set(names)].sort()
}

/** `config.env.example` with every commented setting switched on. */
const exampleOn = (): string =>
  root("config.env.example")
    .split("\n")
    .map((line) => line.replace(/^# ([A-Z][A-Z0-9_]*=)/, "$1"))
    .join("\n")

describe("config.env.example", () => {
  it.effect("names every setting the README documents, and no other", () =>
    Effect.sync(() => {
      const named = [...new Set(exampleOn().match(/^[A-Z][A-Z0-9_]*(?==)/gm) ?? [])].sort()
      assert.isAbove(documented().length, 40)
      assert.deepStrictEqual(named, documented())
    }),
  )

  it.effect("is valid as written and with every setting switched on", () =>
    Effect.gen(function* () {
      const dir = makeTempDir("retl-config-example-")
      for (const [name, text] of [
        ["as-written.env", root("config.env.example")],
        ["all-on.env", exampleOn()],
      ] as const) {
        writeFileSync(join(dir, name), text)
        const provider = yield* PlatformConfigProvider.fromDotEnv(join(dir, name))
        const loaded = yield* Effect.either(Effect.withConfigProvider(loadSettings, provider))
        assert.isTrue(Either.isRight(loaded), `${name}: ${Either.isLeft(loaded) ? loaded.left.message : ""}`)
      }
    }).pipe(Effect.provide(NodeFileSystem.layer)),
  )
})
