import { Clock, Effect, Option } from "effect"
import { runMetrics, type StageName } from "../../domain/RunStatus.js"
import type { Week } from "../../domain/Week.js"
import { AppConfig } from "../../services/AppConfig.js"
import * as Extract from "../stages/Extract.js"
import * as Load from "../stages/Load.js"
import * as QualityGate from "../stages/QualityGate.js"
import * as SalesforceSync from "../stages/SalesforceSync.js"
import * as Transform from "../stages/Transform.js"
import { describeFailure, recordRunFinish, recordRunStart } from "./AuditTrail.js"
import type { RunContext } from "./RunContext.js"
import { handedOver, runStage, type Stage, type StageReport } from "./StageRunner.js"
import { completeWeek, metricsOf } from "./WeekCompletion.js"
import { readSidecar } from "./WeekFiles.js"

/** Each stage's output, by the stage's name: what the run's summary and its JSON outcome read. */
export interface StageOutputs {
  readonly extract: Extract.Output
  readonly transform: Transform.Output
  readonly load: Load.Output
  readonly "quality-gate": QualityGate.Output
  readonly "salesforce-sync": SalesforceSync.Output
}

type Held = { -readonly [S in StageName]?: StageOutputs[S] }

/** Metrics for a run row that ends early: the transform's counts when it got that far. */
const partialMetrics = (ctx: RunContext, transform: Transform.Output | undefined) =>
  Effect.gen(function* () {
    const threshold = (yield* AppConfig).quality.rejectThresholdPct
    const counts =
      transform === undefined
        ? Option.map(
            yield* readSidecar(ctx, Transform).pipe(Effect.orElseSucceed(() => Option.none())),
            (s) => s.output,
          )
        : Option.some(transform)
    return Option.match(counts, {
      onNone: () => runMetrics(0, 0, threshold),
      onSome: (t) => metricsOf(t, threshold),
    })
  })

/**
 * The stages a run takes, in order: all five in a full run, which hands each output to the next
 * in memory; one in a `--stage` process, which takes its input from the sidecar of the process
 * before it. The run row is started first and finished FAILED when a stage fails; the run that
 * takes the last stage ends the week.
 */
export const runStages = (ctx: RunContext) => {
  const held: Held = {}
  const reports: Array<StageReport> = []
  const takes = (stage: StageName) => ctx.options.stage === "full" || ctx.options.stage === stage
  const step = <A, I, In, E, R, EIn, RIn>(stage: Stage<A, I, In, E, R>, input: Effect.Effect<In, EIn, RIn>) =>
    Effect.gen(function* () {
      const run = runStage(ctx, stage, input)
      const { output, report } = yield* ctx.stopBetweenStages ? Effect.uninterruptible(run) : run
      reports.push(report)
      return output
    })
  return Effect.gen(function* () {
    const startedAt = new Date(yield* Clock.currentTimeMillis)
    yield* recordRunStart({ runId: ctx.runId, correlationId: ctx.correlationId, week: ctx.week, startedAt })
    if (takes("extract")) held.extract = yield* step(Extract, Effect.void)
    if (takes("transform")) held.transform = yield* step(Transform, handedOver(ctx, Extract, held.extract))
    if (takes("load")) held.load = yield* step(Load, handedOver(ctx, Transform, held.transform))
    if (takes("quality-gate")) {
      held["quality-gate"] = yield* step(QualityGate, handedOver(ctx, Transform, held.transform))
    }
    if (!takes("salesforce-sync")) {
      return { status: "IN_PROGRESS" as const, reports, outputs: held, nextWeek: Option.none<Week>() }
    }
    held["salesforce-sync"] = yield* step(SalesforceSync, Effect.void)
    const transform = yield* handedOver(ctx, Transform, held.transform)
    const gate = yield* handedOver(ctx, QualityGate, held["quality-gate"])
    const nextWeek = yield* completeWeek(ctx, transform, gate)
    return { status: gate.status, reports, outputs: held, nextWeek }
  }).pipe(
    Effect.onError((cause) =>
      Effect.gen(function* () {
        yield* recordRunFinish({
          runId: ctx.runId,
          status: "FAILED",
          metrics: yield* partialMetrics(ctx, held.transform),
          finishedAt: new Date(yield* Clock.currentTimeMillis),
          outputPath: null,
          rejectsPath: null,
          ...describeFailure(cause),
        })
      }),
    ),
  )
}
