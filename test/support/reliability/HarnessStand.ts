import { parse } from "csv-parse/sync"
import { Effect, Ref, type Scope } from "effect"
import type { Outage } from "../FlakyWarehouse.js"
import { type Harness, makeHarness } from "../PipelineHarness.js"
import { type DiskFull, makeDiskFull } from "./DiskFull.js"
import {
  EVENTS_PER_WEEK,
  type FaultCase,
  fromExit,
  matrixCell,
  prepareStand,
  referenceOf,
  type Stand,
} from "./FaultCell.js"
import { assertUpsertedOnce, PARTITION } from "./FaultOutputs.js"
import { SECRETS } from "./Secrets.js"

/**
 * The pipeline's own behaviour under a fault, in this process on the test layers (the events API
 * from the generator, the lake and the org in memory, a SQLite file warehouse): a disk that fills
 * up, a warehouse whose operations go down.
 */
export interface HarnessStand extends Stand {
  readonly h: Harness
  readonly disk: DiskFull
  /** Warehouse operations down while named here (`"*"`: all of them). */
  readonly outage: Outage
}

/** The suite's secrets in every run, and the week `--use-checkpoint` falls back on. */
const SETTINGS = {
  API_KEY: SECRETS.API_KEY,
  SF_PASSWORD: SECRETS.SF_PASSWORD,
  SF_SECURITY_TOKEN: SECRETS.SF_SECURITY_TOKEN,
  WAREHOUSE: "sqlite",
  AZURE_SQL_PASSWORD: SECRETS.AZURE_SQL_PASSWORD,
  WEEK_START: "2019-12-01",
  WEEK_END: "2019-12-07",
}

/** The external ids of a Bulk CSV. */
const externalIds = (csv: string): ReadonlyArray<string> => {
  const [header = [], ...rows] = parse(csv, { record_delimiter: "\n" }) as Array<Array<string>>
  const key = header.indexOf("External_Signal_Id__c")
  return rows.map((row) => row[key] ?? "")
}

const standUp = (seed: number): Effect.Effect<HarnessStand, never, Scope.Scope> =>
  Effect.gen(function* () {
    const disk = makeDiskFull()
    const outage: Outage = yield* Ref.make<ReadonlySet<string>>(new Set())
    const h = yield* Effect.orDie(
      makeHarness({
        data: { seed, eventsPerWeek: EVENTS_PER_WEEK, malformedPct: 2 },
        fileSystem: disk.layer,
        warehouseOutage: outage,
      }),
    )
    const outputs: Array<string> = []
    const stand: HarnessStand = {
      seed,
      h,
      disk,
      outage,
      dir: h.dir,
      outputs,
      sqlite: `${h.dir}/warehouse.sqlite`,
      stateDir: `${h.dir}/main/state`,
      localDir: `${h.dir}/main/data/raw_events/${PARTITION}`,
      rejectsDir: `${h.dir}/main/data/raw_events_rejects/${PARTITION}`,
      lakeFiles: () => Effect.map(Effect.orDie(h.lake.list("")), (entries) => entries.map((e) => e.path)),
      crmRecords: () => [...h.org.records].map(([id, r]) => [id, r.fields] as const),
      run: (args, env = {}, watch) =>
        watch !== undefined
          ? Effect.dieMessage("the harness writes its log lines itself: watch them on the live stack")
          : Effect.suspend(() => {
              const from = h.logs.length
              return Effect.map(h.cli(args, { ...SETTINGS, ...env }), ({ exit, stdout }) => {
                const logs = h.logs.slice(from)
                outputs.push(stdout, ...logs.map((line) => JSON.stringify(line)))
                return fromExit(exit, logs)
              })
            }),
      assertNoDoubleUpload: () =>
        assertUpsertedOnce(
          [...h.org.uploads]
            .filter(([jobId]) => h.org.jobs.get(jobId)?.state === "JobComplete")
            .map(([, csv]) => externalIds(csv)),
          h.org.records.keys(),
        ),
    }
    yield* prepareStand(stand)
    return stand
  })

const reference = referenceOf(standUp)

export type HarnessCase = FaultCase<HarnessStand>

/** A cell on the harness. */
export const harnessCell = (c: HarnessCase) => matrixCell(c, standUp, reference)
