import { OtlpSerialization } from "@effect/opentelemetry/OtlpSerialization"
import * as OtlpTracer from "@effect/opentelemetry/OtlpTracer"
import { FetchHttpClient, HttpBody } from "@effect/platform"
import { Layer, Option, Redacted } from "effect"
import { parseOtlpHeaders } from "../../domain/OtlpHeaders.js"
import { secretScrubber } from "../../domain/SecretText.js"
import type { TelemetrySettings } from "../../services/AppConfig.js"

/**
 * Exports every span of a command as OTLP/HTTP JSON to `{OTEL_EXPORTER_OTLP_ENDPOINT}/v1/traces`
 * (the collector's, Jaeger's or Tempo's port 4318). Spans are batched and sent every few
 * seconds; whatever is left is sent when the layer closes, so a command's spans are out before
 * its process exits. A collector that is down costs at most `shutdownTimeout` at exit and never
 * fails the command. Without an endpoint this is no layer at all: spans stay in the process,
 * where log lines still carry their trace and span ids.
 *
 * Every batch is scrubbed of `secrets` as a log line is (the same scrubber, over the finished
 * JSON): a span's name, attributes, events and error status carry whatever an error message
 * brought along, and the collector is one more place a secret must not reach.
 */
export const layer = (
  settings: TelemetrySettings,
  serviceVersion: string,
  secrets: ReadonlyArray<string> = [],
): Layer.Layer<never> =>
  Option.match(settings.otlpEndpoint, {
    onNone: () => Layer.empty,
    onSome: (endpoint) =>
      OtlpTracer.layer({
        url: `${endpoint}/v1/traces`,
        resource: { serviceName: settings.serviceName, serviceVersion },
        headers: Option.match(settings.otlpHeaders, {
          onNone: () => ({}),
          onSome: (headers) => parseOtlpHeaders(Redacted.value(headers)) ?? {},
        }),
        exportInterval: "5 seconds",
        shutdownTimeout: "3 seconds",
      }).pipe(Layer.provide(scrubbedJson(secrets)), Layer.provide(FetchHttpClient.layer)),
  })

/** OTLP/HTTP JSON, as `OtlpSerialization.layerJson` sends it, with every secret blanked out. */
const scrubbedJson = (secrets: ReadonlyArray<string>) => {
  const scrub = secretScrubber(secrets)
  const json = (data: unknown) => HttpBody.text(scrub(JSON.stringify(data)), "application/json")
  return Layer.succeed(OtlpSerialization, { traces: json, metrics: json, logs: json })
}
