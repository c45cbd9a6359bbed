import { createServer } from "node:http"
import type { AddressInfo } from "node:net"

/** A span as an OTLP/HTTP JSON export carries it, with its attributes as a plain record. */
export interface ReceivedSpan {
  readonly serviceName: unknown
  readonly name: string
  readonly kind: number
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId: string | undefined
  readonly attributes: Readonly<Record<string, unknown>>
  readonly status: { readonly code?: number } | undefined
}

export interface OtlpReceiver {
  /** The base URL, as `OTEL_EXPORTER_OTLP_ENDPOINT` takes it (spans are POSTed to `<url>/v1/traces`). */
  readonly url: string
  readonly spans: () => ReadonlyArray<ReceivedSpan>
  /** Resolves with the first span matching `predicate`, once one has arrived. */
  readonly waitForSpan: (predicate: (span: ReceivedSpan) => boolean, millis?: number) => Promise<ReceivedSpan>
  readonly close: () => Promise<void>
}

interface AnyValue {
  readonly stringValue?: string
  readonly intValue?: string | number
  readonly doubleValue?: number
  readonly boolValue?: boolean
}
interface KeyValue {
  readonly key: string
  readonly value: AnyValue
}

const valueOf = (value: AnyValue): unknown =>
  value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : undefined) ?? value.doubleValue ??
    value.boolValue

const record = (attributes: ReadonlyArray<KeyValue> | undefined): Record<string, unknown> =>
  Object.fromEntries((attributes ?? []).map(({ key, value }) => [key, valueOf(value)]))

/**
 * A collector on 127.0.0.1 that accepts OTLP/HTTP JSON trace exports and
 * decodes their spans: what a tracing backend would receive.
 */
export const startOtlpReceiver = async (): Promise<OtlpReceiver> => {
  const received: Array<ReceivedSpan> = []
  const server = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      if (request.method !== "POST" || request.url !== "/v1/traces") {
        response.writeHead(404).end()
        return
      }
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
        resourceSpans: Array<{ resource: { attributes: Array<KeyValue> }; scopeSpans: Array<{ spans: Array<any> }> }>
      }
      for (const resourceSpan of body.resourceSpans) {
        const serviceName = record(resourceSpan.resource.attributes)["service.name"]
        for (const scopeSpan of resourceSpan.scopeSpans) {
          for (const span of scopeSpan.spans) {
            received.push({
              serviceName,
              name: span.name,
              kind: span.kind,
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId || undefined,
              attributes: record(span.attributes),
              status: span.status
            })
          }
        }
      }
      response.writeHead(200, { "content-type": "application/json" }).end("{}")
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    spans: () => received,
    waitForSpan: async (predicate, millis = 10_000) => {
      const deadline = Date.now() + millis
      while (Date.now() < deadline) {
        const found = received.find(predicate)
        if (found !== undefined) return found
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
      throw new Error(`no matching span within ${millis} ms; received: ${received.map((span) => span.name).join(", ")}`)
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
