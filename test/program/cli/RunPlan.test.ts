import { ConfigProvider, Effect, Either, Option } from "effect"
import * as AppConfigProvider from "../../../src/layers/config/AppConfigProvider.js"
import { makeRunPlan } from "../../../src/program/cli/RunPlan.js"
import { fullRun, type RunOptions } from "../../../src/program/pipeline/RunOptions.js"
import { assert, describe, it } from "../../support/vitest.js"

const run = (overrides: Partial<RunOptions> = {}): RunOptions => fullRun({ validateOnly: true, ...overrides })

const plan = (options: RunOptions, settings: Record<string, string> = {}, env: Record<string, string> = {}) =>
  makeRunPlan(options).pipe(
    Effect.provide(AppConfigProvider.layerFromMap(settings)),
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))),
    Effect.either,
  )

describe("run --validate-only", () => {
  it.effect("takes the week from the flags first, then the checkpoint, then WEEK_START/WEEK_END", () =>
    Effect.gen(function* () {
      const week = { WEEK_START: "2019-11-24", WEEK_END: "2019-11-30" }
      const fromFlags = yield* plan(
        run({ weekStart: Option.some("2019-12-01"), weekEnd: Option.some("2019-12-07"), stage: "load" }),
        week,
      )
      assert.deepInclude(Either.getOrThrow(fromFlags), {
        week_source: "flags",
        week_start: "2019-12-01",
        week_end: "2019-12-07",
        stage: "load",
      })
      const fromCheckpoint = yield* plan(run({ useCheckpoint: true }), week)
      assert.deepInclude(Either.getOrThrow(fromCheckpoint), {
        week_source: "checkpoint",
        week_start: null,
        week_end: null,
      })
      const fromSettings = yield* plan(run(), week)
      assert.deepInclude(Either.getOrThrow(fromSettings), { week_source: "settings", week_start: "2019-11-24" })
    }),
  )

  it.effect("fails naming the ways to give a week when there is none", () =>
    Effect.gen(function* () {
      const result = yield* plan(run())
      assert.isTrue(Either.isLeft(result))
      if (Either.isLeft(result)) assert.include(result.left.message, "--use-checkpoint")
    }),
  )

  it.effect("reports the run tag Airflow's run id gives, safe for a file name, and what the settings point at", () =>
    Effect.gen(function* () {
      const settings = { STORAGE_ACCOUNT: "acct", CONTAINER: "lake", SF_USERNAME: "etl@example.com" }
      const result = Either.getOrThrow(
        yield* plan(run({ useCheckpoint: true, stage: "salesforce-sync" }), settings, {
          AIRFLOW_CTX_DAG_RUN_ID: "scheduled__../../x:00+00:00",
        }),
      )
      assert.match(result.run_tag ?? "", /^[A-Za-z0-9_-]+$/)
      assert.notInclude(result.run_tag ?? "", "..")
      assert.deepInclude(result, { lake: "adls", warehouse: "sqlite", salesforce_login: true, local_only: false })
      const fresh = Either.getOrThrow(yield* plan(run({ useCheckpoint: true })))
      assert.strictEqual(fresh.run_tag, null)
    }),
  )
})
