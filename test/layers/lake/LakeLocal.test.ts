import { readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Layer, Option } from "effect"
import * as AppConfigProvider from "../../../src/layers/config/AppConfigProvider.js"
import * as LakeLocal from "../../../src/layers/lake/LakeLocal.js"
import { Lake } from "../../../src/services/Lake.js"
import { lakeContract, localFile, sha256, tempDir } from "../../support/lakeContract.js"
import { assert, describe, it } from "../../support/vitest.js"

lakeContract("LakeLocal", () => LakeLocal.layerAt(tempDir()))

describe("LakeLocal", () => {
  const inLake = <A, E>(root: string, body: (lake: Lake["Type"]) => Effect.Effect<A, E>) =>
    Effect.flatMap(Lake, body).pipe(Effect.provide(LakeLocal.layerAt(root).pipe(Layer.provide(NodeFileSystem.layer))))

  it.live("writes the object under LAKE_DIR at its lake path, leaving no temp file", () => {
    const root = tempDir()
    const source = localFile(tempDir(), "events.parquet", 4096)
    return Effect.gen(function* () {
      const lake = yield* Lake
      yield* lake.put(source.path, "reverse_etl/raw_events/week_start=2019-12-01/events.parquet")
      const dir = join(root, "reverse_etl/raw_events/week_start=2019-12-01")
      assert.deepStrictEqual(readdirSync(dir), ["events.parquet"])
      assert.isTrue(readFileSync(join(dir, "events.parquet")).equals(source.bytes))
    }).pipe(
      Effect.provide(
        LakeLocal.layer.pipe(
          Layer.provide(AppConfigProvider.layerFromMap({ LAKE_DIR: root })),
          Layer.provide(NodeFileSystem.layer),
        ),
      ),
    )
  })

  it.live("notices a file changed by hand: the recorded SHA-256 is not trusted, and a new put rewrites it", () => {
    const root = tempDir()
    const source = localFile(tempDir(), "f.bin", 2048)
    return inLake(root, (lake) =>
      Effect.gen(function* () {
        yield* lake.put(source.path, "d/f.bin")
        const tampered = Buffer.alloc(100, 1)
        writeFileSync(join(root, "d/f.bin"), tampered)
        const stat = yield* lake.stat("d/f.bin")
        assert.deepStrictEqual(
          Option.map(stat, (s) => ({ sizeBytes: s.sizeBytes, sha256: s.sha256 })),
          Option.some({ sizeBytes: 100, sha256: Option.some(sha256(tampered)) }),
        )
        yield* lake.put(source.path, "d/f.bin")
        assert.isTrue(readFileSync(join(root, "d/f.bin")).equals(source.bytes))
      }),
    )
  })
})
