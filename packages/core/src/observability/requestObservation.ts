import { Context, Effect, Exit, LogLevel, References, Scope, Tracer } from "effect"
import type { Fiber } from "effect"
import type { HttpServerRequest, HttpServerResponse } from "effect/http"
import type { RequestStateShape } from "../http/RequestState.ts"
import { recordRequest, unmatchedRoute } from "./requestMetrics.ts"

export interface ObservationOptions {
  /** One info line per answered request. Default `true`. */
  readonly accessLog?: boolean | undefined
  /** The `hoard_http_*` request metrics. Default `true`. */
  readonly requestMetrics?: boolean | undefined
}

/**
 * Routes whose access-log lines are at debug, not info: a load balancer
 * probes and Prometheus scrapes every few seconds, which would drown the rest.
 * Transports also leave them without a span.
 */
export const quietRoutes: ReadonlySet<string> = new Set(["/healthz", "/readyz", "/metrics"])

/**
 * Observes each answered request: names and annotates its server span (when a
 * tracer made one), and once the response has been sent (the request's scope
 * closes, after a streamed body's last byte) writes its access-log line and
 * counts it in the request metrics. With all of them off it costs one check.
 */
export const makeRequestObserver = (options: ObservationOptions = {}) => {
  const accessLog = options.accessLog ?? true
  const metrics = options.requestMetrics ?? true
  const afterSend = accessLog || metrics
  return (
    request: HttpServerRequest.HttpServerRequest,
    state: RequestStateShape,
    response: HttpServerResponse.HttpServerResponse,
    startedAt: number
  ): Effect.Effect<void> =>
    Effect.withFiber((fiber) => {
      const span = serverSpan(fiber)
      if (span === undefined && !afterSend) return Effect.void
      const bytesIn = declaredLength(request.headers["content-length"])
      const bytesOut = request.method === "HEAD" ? 0 : responseBytes(response)
      if (span !== undefined) annotateSpan(span, request, state, response.status, bytesIn, bytesOut)
      if (!afterSend) return Effect.void
      // Below the minimum log level the line would be built and then dropped.
      const logged = accessLog &&
        LogLevel.isGreaterThanOrEqualTo(logLevelOf(state.route), fiber.getRef(References.MinimumLogLevel))
      if (!logged && !metrics) return Effect.void
      const scope = Context.getUnsafe(fiber.context, Scope.Scope)
      return Scope.addFinalizerExit(scope, (exit) => {
        const sample = {
          method: request.method,
          route: state.route,
          status: response.status,
          bytesIn,
          bytesOut,
          durationMs: performance.now() - startedAt
        }
        const counted = metrics ? recordRequest(sample) : Effect.void
        return logged ? Effect.andThen(counted, logLine(sample, state, Exit.isFailure(exit))) : counted
      })
    })
}

const logLine = (
  sample: Parameters<typeof recordRequest>[0],
  state: RequestStateShape,
  aborted: boolean
): Effect.Effect<void> => {
  const route = sample.route ?? unmatchedRoute
  return Effect.logWithLevel(logLevelOf(route))(`${sample.method} ${route} ${sample.status}`).pipe(Effect.annotateLogs({
    method: sample.method,
    route,
    status: sample.status,
    bytesIn: sample.bytesIn,
    bytesOut: sample.bytesOut,
    durationMs: Math.round(sample.durationMs * 100) / 100,
    requestId: state.requestId,
    ...(state.team !== undefined && { team: state.team }),
    ...(state.tokenName !== undefined && { tokenName: state.tokenName }),
    // The client went away before the whole body was sent.
    ...(aborted && { aborted: true })
  }))
}

/** Probes and scrapes log at debug, every other request at info. */
const logLevelOf = (route: string | undefined): "Debug" | "Info" =>
  route !== undefined && quietRoutes.has(route) ? "Debug" : "Info"

/** The request's server span, when a tracer is installed and samples it. */
const serverSpan = (fiber: Fiber.Fiber<unknown, unknown>): Tracer.Span | undefined => {
  const span = Context.getOrUndefined(fiber.context, Tracer.ParentSpan)
  return span !== undefined && span._tag === "Span" && span.kind === "server" && span.sampled ? span : undefined
}

const annotateSpan = (
  span: Tracer.Span,
  request: HttpServerRequest.HttpServerRequest,
  state: RequestStateShape,
  status: number,
  bytesIn: number,
  bytesOut: number
): void => {
  // The server span is made before routing, named by the method alone; the
  // OTel convention is `{method} {route}` once the route is known. Effect's
  // Span has no `updateName`, but its spans keep the name in a plain field.
  if (state.route !== undefined) rename(span, `${request.method} ${state.route}`)
  span.attribute("http.route", state.route ?? unmatchedRoute)
  span.attribute("http.response.status_code", status)
  span.attribute("http.request.body.size", bytesIn)
  span.attribute("http.response.body.size", bytesOut)
  span.attribute("hoard.request_id", state.requestId)
  if (state.team !== undefined) span.attribute("hoard.team", state.team)
  if (state.tokenName !== undefined) span.attribute("hoard.token_name", state.tokenName)
}

const rename = (span: Tracer.Span, name: string): void => {
  if (Object.getOwnPropertyDescriptor(span, "name")?.writable === true) (span as { name: string }).name = name
}

const declaredLength = (header: string | undefined): number => {
  if (header === undefined) return 0
  const length = Number(header)
  return Number.isSafeInteger(length) && length > 0 ? length : 0
}

const responseBytes = (response: HttpServerResponse.HttpServerResponse): number => {
  const body = response.body
  switch (body._tag) {
    case "Empty":
      return 0
    case "Uint8Array":
      return body.contentLength
    default:
      return body.contentLength ?? declaredLength(response.headers["content-length"])
  }
}
