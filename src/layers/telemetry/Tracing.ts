import * as OtlpSerialization from "@effect/opentelemetry/OtlpSerialization"
import * as OtlpTracer from "@effect/opentelemetry/OtlpTracer"
import { FetchHttpClient } from "@effect/platform"
import { Layer, Option, Redacted } from "effect"
import { parseOtlpHeaders } from "../../domain/OtlpHeaders.js"
import type { TelemetrySettings } from "../../services/AppConfig.js"

/**
 * Exports every span of a command as OTLP/HTTP JSON to `{OTEL_EXPORTER_OTLP_ENDPOINT}/v1/traces`
 * (the collector's, Jaeger's or Tempo's port 4318). Spans are batched and sent every few
 * seconds; whatever is left is sent when the layer closes, so a command's spans are out before
 * its process exits. A collector that is down costs at most `shutdownTimeout` at exit and never
 * fails the command. Without an endpoint this is no layer at all: spans stay in the process,
 * where log lines still carry their trace and span ids.
 */
export const layer = (settings: TelemetrySettings, serviceVersion: string): Layer.Layer<never> =>
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
      }).pipe(Layer.provide(OtlpSerialization.layerJson), Layer.provide(FetchHttpClient.layer)),
  })
