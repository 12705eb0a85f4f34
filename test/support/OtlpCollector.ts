import { createServer, type IncomingHttpHeaders } from "node:http"
import type { AddressInfo } from "node:net"

export interface ExportedSpan {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId?: string
  readonly name: string
  readonly status: { readonly code: number; readonly message?: string }
  readonly attributes: ReadonlyArray<{ readonly key: string; readonly value: Record<string, unknown> }>
}

interface TracesRequest {
  readonly resourceSpans: ReadonlyArray<{
    readonly resource: { readonly attributes: ReadonlyArray<{ key: string; value: { stringValue?: string } }> }
    readonly scopeSpans: ReadonlyArray<{ readonly spans: ReadonlyArray<ExportedSpan> }>
  }>
}

export interface Export {
  readonly headers: IncomingHttpHeaders
  readonly resource: Record<string, string | undefined>
  readonly spans: ReadonlyArray<ExportedSpan>
}

/**
 * An OTLP/HTTP collector stand-in on 127.0.0.1: records every JSON `POST /v1/traces` and answers
 * 200 `{}` as a collector does; anything else gets 404.
 */
export const startCollector = async () => {
  const exports: Array<Export> = []
  /** Every request body as it arrived, for a scan of the bytes themselves. */
  const bodies: Array<string> = []
  const server = createServer((req, res) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/v1/traces") {
        res.writeHead(404).end()
        return
      }
      const text = Buffer.concat(chunks).toString("utf8")
      bodies.push(text)
      const body = JSON.parse(text) as TracesRequest
      for (const resourceSpans of body.resourceSpans) {
        exports.push({
          headers: req.headers,
          resource: Object.fromEntries(resourceSpans.resource.attributes.map((a) => [a.key, a.value.stringValue])),
          spans: resourceSpans.scopeSpans.flatMap((scope) => scope.spans),
        })
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}")
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    exports,
    bodies,
    spans: () => exports.flatMap((e) => e.spans),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export type Collector = Awaited<ReturnType<typeof startCollector>>

export const attribute = (span: ExportedSpan, key: string): unknown => {
  const value = span.attributes.find((a) => a.key === key)?.value
  return value === undefined ? undefined : Object.values(value)[0]
}
