import { Layer } from "effect"
import type { Duration } from "effect"
import { FetchHttpClient } from "effect/http"
import { OtlpSerialization, OtlpTracer } from "effect/observability"
import type { OtlpExporter } from "effect/observability"

export interface OtlpOptions {
  /** Where spans are POSTed: the full traces URL, e.g. `http://collector:4318/v1/traces`. */
  readonly url: string
  /** The `service.name` of the resource. Default `hoard`. */
  readonly serviceName?: string | undefined
  readonly serviceVersion?: string | undefined
  /** How often batched spans are sent. Default 5 seconds. */
  readonly exportInterval?: Duration.Input | undefined
  /** Extra headers for the collector, e.g. an API key. */
  readonly headers?: Record<string, string> | undefined
}

/**
 * A tracer exporting OTLP/HTTP JSON: provide it around the server (or
 * `makeHoardApp`) and every request gets a server span named after its route
 * (`GET /v8/artifacts/:hash`), continuing an incoming W3C `traceparent`, as
 * the parent of the spans run inside the request. Without it, `hoard serve`
 * switches tracing off (`References.TracerEnabled` false), so no span is made
 * at all; an app embedding Hoard without a tracer can do the same, since
 * Effect's default tracer otherwise still makes (and discards) them. Closing
 * the layer's scope flushes what is buffered.
 */
export const layerOtlp = (options: OtlpOptions): Layer.Layer<OtlpExporter.Flusher> =>
  OtlpTracer.layer({
    url: options.url,
    resource: {
      serviceName: options.serviceName ?? "hoard",
      ...(options.serviceVersion !== undefined && { serviceVersion: options.serviceVersion })
    },
    ...(options.exportInterval !== undefined && { exportInterval: options.exportInterval }),
    ...(options.headers !== undefined && { headers: options.headers })
  }).pipe(Layer.provide([OtlpSerialization.layerJson, FetchHttpClient.layer]))

/**
 * The traces URL the OpenTelemetry env convention gives: the signal's own
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as is, else `OTEL_EXPORTER_OTLP_ENDPOINT`
 * (a base URL) plus `/v1/traces`; `undefined` when neither is set.
 */
export const tracesUrlFromEnv = (env: Record<string, string | undefined>): string | undefined => {
  const traces = env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]?.trim()
  if (traces) return traces
  const base = env["OTEL_EXPORTER_OTLP_ENDPOINT"]?.trim()
  return base ? tracesUrlOf(base) : undefined
}

/** `<base>/v1/traces` for an OTLP base URL such as `http://collector:4318`. */
export const tracesUrlOf = (base: string): string => `${base.replace(/\/+$/u, "")}/v1/traces`
