import { execFileSync } from "node:child_process"
import { assert, describe, it } from "../../support/vitest.js"

/**
 * Another Effect application embeds the pipeline through the package's exports: the program and
 * the command tree take whatever layers it passes. Runs a dry run of a tiny week on the test
 * layers, from outside the source tree, through the built package.
 */
const script = `
import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Layer, Option } from "effect"
import { runPipeline } from "reverse-etl/pipeline"
import { fullRun } from "reverse-etl/program/pipeline/RunOptions"
import * as AppConfigProvider from "reverse-etl/layers/config/AppConfigProvider"
import * as EventsApiTest from "reverse-etl/layers/events-api/EventsApiTest"
import * as LakeMemory from "reverse-etl/layers/lake/LakeMemory"
import * as StateStoreMemory from "reverse-etl/layers/state/StateStoreMemory"
import * as WarehouseReadOnly from "reverse-etl/layers/warehouse/WarehouseReadOnly"
import * as WarehouseScratch from "reverse-etl/layers/warehouse/WarehouseScratch"
import * as CrmMemory from "reverse-etl/layers/crm/CrmMemory"
const record = (i) => JSON.stringify({ event_time: "2019-12-02 10:00:0" + (i % 10) + " UTC", event_type: "view", user_id: 100 + i, price: 1.5 })
const settings = AppConfigProvider.layerFromMap({ SQLITE_PATH: ":memory:", TRANSFORM_WORKERS: "0", LOCAL_DATA_DIR: process.argv[1] + "/data", STATE_DIR: process.argv[1] + "/state" })
const layers = Layer.mergeAll(EventsApiTest.layer([[0, 1, 2].map(record)], { pageSize: 10 }), LakeMemory.layer, WarehouseReadOnly.layer, StateStoreMemory.layer, CrmMemory.layer(new CrmMemory.MemoryOrg()), WarehouseScratch.layer)
const outcome = await Effect.runPromise(
  runPipeline(fullRun({ weekStart: Option.some("2019-12-01"), weekEnd: Option.some("2019-12-07"), dryRun: true })).pipe(
    Effect.provide(layers), Effect.provide(settings), Effect.provide(NodeFileSystem.layer)),
)
console.log(JSON.stringify({ status: outcome.status, fetched: Option.getOrThrow(outcome.validation).rowsFetched }))
`

describe("embedding", () => {
  it("runs the pipeline from the package's exports with the embedder's own layers", () => {
    const dir = execFileSync("mktemp", ["-d"]).toString().trim()
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script, dir], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    })
    assert.deepStrictEqual(JSON.parse(out.trim().split("\n").at(-1) ?? ""), { status: "SUCCESS", fetched: 3 })
  })
})
