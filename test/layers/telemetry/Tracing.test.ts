import { Effect, Exit, Layer } from "effect"
import { ApiResponseError, DataQualityError } from "../../../src/domain/Errors.js"
import * as AppConfigProvider from "../../../src/layers/config/AppConfigProvider.js"
import * as Tracing from "../../../src/layers/telemetry/Tracing.js"
import { type CommandWiring, runCommand } from "../../../src/program/cli/CommandRuntime.js"
import { jsonLines, runCli } from "../../support/cli.js"
import { attribute, type ExportedSpan, startCollector } from "../../support/OtlpCollector.js"
import { assert, describe, it } from "../../support/vitest.js"

const withCollector = <A, E>(f: (collector: Awaited<ReturnType<typeof startCollector>>) => Effect.Effect<A, E>) =>
  Effect.acquireUseRelease(Effect.promise(startCollector), f, (collector) => Effect.promise(collector.close))

const wiringFor = (values: Record<string, string>, lines: Array<string>): CommandWiring => ({
  config: AppConfigProvider.layerFromMap(values),
  writeLog: (line) => void lines.push(line),
  tracing: (telemetry, secrets) => Tracing.layer(telemetry, "9.9.9", secrets),
})

/** A stage-shaped body: a stage span holding two page spans, one with an attribute. */
const stageBody = Effect.all([
  Effect.logInfo("page 1").pipe(Effect.withSpan("EventsApi.page", { attributes: { page: 1 } })),
  Effect.void.pipe(Effect.withSpan("EventsApi.page", { attributes: { page: 2 } })),
]).pipe(
  Effect.zipRight(Effect.logInfo("extract succeeded")),
  Effect.withSpan("extract", { attributes: { week: "2019-12-01..2019-12-07" } }),
)

const byName = (spans: ReadonlyArray<ExportedSpan>, name: string) => spans.filter((s) => s.name === name)

describe("tracing", () => {
  it.live("exports a command's spans with their parents and the service name before the command returns", () =>
    withCollector((collector) =>
      Effect.gen(function* () {
        const lines: Array<string> = []
        const wiring = wiringFor(
          {
            OTEL_EXPORTER_OTLP_ENDPOINT: `${collector.endpoint}/`,
            OTEL_SERVICE_NAME: "retl-test",
            OTEL_EXPORTER_OTLP_HEADERS: "x-collector-key=k%20one-secret-value,x-tenant=acme",
          },
          lines,
        )
        yield* runCommand(wiring, "run", "json", stageBody, Layer.empty)

        const spans = collector.spans()
        const [stage] = byName(spans, "extract")
        const pages = byName(spans, "EventsApi.page")
        assert.isDefined(stage)
        if (stage === undefined) return
        assert.strictEqual(attribute(stage, "week"), "2019-12-01..2019-12-07")
        assert.strictEqual(pages.length, 2)
        for (const page of pages) {
          assert.strictEqual(page.parentSpanId, stage.spanId)
          assert.strictEqual(page.traceId, stage.traceId)
        }
        assert.sameMembers(
          pages.map((p) => attribute(p, "page")),
          [1, 2],
        )
        const [first] = collector.exports
        assert.strictEqual(first?.resource["service.name"], "retl-test")
        assert.strictEqual(first?.resource["service.version"], "9.9.9")
        assert.strictEqual(first?.headers["x-collector-key"], "k one-secret-value")
        assert.strictEqual(first?.headers["x-tenant"], "acme")

        // A log line written inside a span names that span's trace, so logs and traces join up.
        const pageLine = jsonLines(lines.join("\n")).find((l) => l.message === "page 1")
        assert.strictEqual(pageLine?.trace_id, stage.traceId)
        assert.notInclude(lines.join("\n"), "k one-secret-value")
      }),
    ),
  )

  it.live("exports a failed span with an error status, and the command still fails", () =>
    withCollector((collector) =>
      Effect.gen(function* () {
        const body = Effect.fail(new DataQualityError({ message: "reject rate 12.5% is above 5%", details: {} })).pipe(
          Effect.withSpan("quality-gate"),
        )
        const exit = yield* Effect.exit(
          runCommand(
            wiringFor({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint }, []),
            "run",
            "json",
            body,
            Layer.empty,
          ),
        )
        assert.isTrue(Exit.isFailure(exit))
        const [gate] = byName(collector.spans(), "quality-gate")
        assert.strictEqual(gate?.status.code, 2)
        assert.include(gate?.status.message ?? "", "reject rate 12.5% is above 5%")
        assert.strictEqual(collector.exports[0]?.resource["service.name"], "reverse-etl")
      }),
    ),
  )

  it.live("scrubs every configured secret from the spans, as from the log lines", () =>
    withCollector((collector) =>
      Effect.gen(function* () {
        const secret = 'span-secret-"Qx7\\z'
        const message = `GET /datasets?key=${encodeURIComponent(secret)} failed for key ${secret}`
        const body = Effect.fail(new ApiResponseError({ message, details: {} })).pipe(
          Effect.withSpan("EventsApi.page", { attributes: { echoed: `header ${secret}` } }),
        )
        const lines: Array<string> = []
        const settings = { OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint, API_KEY: secret }
        yield* Effect.exit(runCommand(wiringFor(settings, lines), "run", "json", body, Layer.empty))
        const [page] = byName(collector.spans(), "EventsApi.page")
        assert.strictEqual(page?.status.code, 2)
        assert.include(page?.status.message ?? "", "failed for key ***")
        assert.include(page?.status.message ?? "", "key=***")
        assert.strictEqual(page === undefined ? undefined : attribute(page, "echoed"), "header ***")
        for (const text of [...collector.bodies, lines.join("\n")]) {
          for (const form of [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)])
            assert.notInclude(text, form)
        }
      }),
    ),
  )

  it.live("sends nothing when no endpoint is set, and the command runs as before", () =>
    withCollector((collector) =>
      Effect.gen(function* () {
        const lines: Array<string> = []
        yield* runCommand(wiringFor({}, lines), "run", "json", stageBody, Layer.empty)
        assert.deepStrictEqual(collector.exports, [])
        assert.include(lines.join("\n"), "extract succeeded")
      }),
    ),
  )

  it.live("refuses malformed OTEL_EXPORTER_OTLP_HEADERS without quoting them", () =>
    Effect.gen(function* () {
      const lines: Array<string> = []
      const wiring = wiringFor({ OTEL_EXPORTER_OTLP_HEADERS: "authorization-secret-token" }, lines)
      const exit = yield* Effect.exit(runCommand(wiring, "run", "json", Effect.void, Layer.empty))
      assert.isTrue(Exit.isFailure(exit))
      const [line] = jsonLines(lines.join("\n"))
      assert.strictEqual(line?.error_message, "OTEL_EXPORTER_OTLP_HEADERS must be key=value pairs separated by commas")
      assert.notInclude(lines.join("\n"), "authorization-secret-token")
    }),
  )

  it.live("gets the spans of a CLI process to the collector before the process exits", () =>
    withCollector((collector) =>
      Effect.gen(function* () {
        const result = yield* runCli(
          ["run", "--validate-only", "--stage", "load", "--week-start", "2019-12-01", "--week-end", "2019-12-07"],
          {
            env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint },
          },
        )
        assert.strictEqual(result.code, 0, result.stderr)
        const [plan] = byName(collector.spans(), "run.plan")
        assert.strictEqual(plan === undefined ? undefined : attribute(plan, "stage"), "load")
        assert.strictEqual(collector.exports[0]?.resource["service.name"], "reverse-etl")
      }),
    ),
  )

  it.live("does not fail a command when the collector is down", () =>
    Effect.gen(function* () {
      const collector = yield* Effect.promise(startCollector)
      yield* Effect.promise(collector.close)
      const result = yield* runCli(["run", "--validate-only", "--use-checkpoint"], {
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint },
      })
      assert.strictEqual(result.code, 0, result.stderr)
      assert.strictEqual(JSON.parse(result.stdout).week_source, "checkpoint")
    }),
  )
})
