import { ByteSize, Cause, Context, Effect, Layer, References } from "effect"
import type { Redacted, Scope } from "effect"
import { HttpIncomingMessage, HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { HoardConfig } from "../HoardConfig.ts"
import { badRequest, errorResponse, internalError, notFoundResponse } from "./ApiError.ts"
import type { ApiError } from "./ApiError.ts"
import { makeRequestObserver } from "../observability/requestObservation.ts"
import type { ObservationOptions } from "../observability/requestObservation.ts"
import { basePathMatcher } from "./BasePath.ts"
import { HoardRoutes } from "./HoardRoutes.ts"
import { ManagementRoutes } from "./management/ManagementRoutes.ts"
import * as MetricsRoutes from "./MetricsRoutes.ts"
import { ApiDocsRoutes } from "./openapi/ApiDocsRoutes.ts"
import { ProbeRoutes } from "./ProbeRoutes.ts"
import { makeRequestState, RequestState } from "./RequestState.ts"
import { Uploader } from "./storeUpload.ts"
import { ToolRoutes } from "./tools/ToolRoutes.ts"
import type { RequestStateShape } from "./RequestState.ts"

export interface HoardAppOptions extends ObservationOptions {
  /**
   * A path prefix Hoard is mounted under, e.g. `/cache` when TURBO_API is
   * `http://host/cache`. Requests outside it get a 404.
   */
  readonly basePath?: string
  /**
   * More routes served beside Hoard's, under the same base path, e.g. the
   * dashboard's `DashboardRoutes` from `@hoard/dashboard`.
   */
  readonly routes?: Layer.Layer<never, never, HttpRouter.HttpRouter>
  /**
   * Serve `GET /metrics` (Prometheus text) to this bearer token, and to no
   * other. Unset: `/metrics` is not served (404); a separate listener can serve
   * `MetricsRoutes.metricsResponse` instead.
   */
  readonly metricsToken?: string | Redacted.Redacted<string> | undefined
}

/**
 * The HTTP app every transport serves. Transports provide the request and a
 * per-request scope that lasts until the response has been sent.
 */
export type HoardHttpApp = Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  never,
  HttpServerRequest.HttpServerRequest | Scope.Scope
>

/**
 * The context a transport runs every request in, made once from the services
 * it was built with (the embedder's logger, log level and tracer among them).
 * Flattened, because each request adds its own services on top, and a context
 * more than 8 additions deep is copied whole on the next one.
 */
export const requestBaseContext = <R>(context: Context.Context<R>): Context.Context<R> =>
  Context.makeUnsafe(context.mapUnsafe)

/**
 * Every route Hoard serves: the turbo protocol, the other build tools'
 * protocols, the management API, the API docs and the probes. The protocols
 * share one uploader, so its limits hold across all of them.
 */
export const AllRoutes = Layer.mergeAll(HoardRoutes, ToolRoutes, ManagementRoutes, ApiDocsRoutes, ProbeRoutes).pipe(
  Layer.provide(Uploader.layer)
)

/**
 * Notes the template of the route that matched (e.g. `/v8/artifacts/:hash`)
 * in the request's state, for the access log, the metrics and the span. A
 * route middleware, because only inside a route is the match known.
 */
const RecordRoute = HttpRouter.middleware((httpEffect) =>
  Effect.withFiber((fiber) => {
    fiber.getRef(RequestState).route = Context.getUnsafe(fiber.context, HttpRouter.RouteContext).route.path
    return httpEffect
  })
).layer

/**
 * Builds the Hoard HTTP app from the routes and the services in context.
 * Around the routes it: refuses a request target the router would misread,
 * collapses repeated slashes (a trailing slash in TURBO_API yields
 * `//v8/...`), strips the base path, tags every response and every log line
 * with the request id, and turns every failure into the JSON error body turbo
 * reads (5xx with a fixed message and the request id; the cause is logged).
 * Each answered request is observed (`requestObservation.ts`): its access-log
 * line, its request metrics and, under a tracer, its span's name and attributes.
 */
export const makeHoardApp = Effect.fnUntraced(function*(options: HoardAppOptions = {}) {
  const relativeToBase = basePathMatcher(options.basePath)
  const extraRoutes = [
    ...(options.routes === undefined ? [] : [options.routes]),
    ...(options.metricsToken === undefined ? [] : [MetricsRoutes.layer({ token: options.metricsToken })])
  ]
  const allRoutes = Layer.mergeAll(AllRoutes, ...extraRoutes).pipe(Layer.provide(RecordRoute))
  // Longer than any valid hash, so an over-long one gets the hash validation's 400.
  const routes = yield* HttpRouter.toHttpEffect(allRoutes).pipe(
    Effect.provideService(HttpRouter.RouterConfig, { maxParamLength: 256 })
  )
  // Bodies HttpApi reads whole (a management POST) stop at the JSON limit;
  // /v8 reads its own bodies (uploads stream, JSON is bounded in body.ts).
  const maxBodySize = ByteSize.bytes((yield* HoardConfig).maxJsonBytes)
  const observe = makeRequestObserver(options)
  const noRoute = (url: string) => notFoundResponse(`no route for ${url.split("?", 1)[0]}`)

  // Built once, not per request: the routes with every failure turned into an
  // answer. What differs per request (its state, its id on log lines, its URL
  // relative to the base path) is put into its context by `route`.
  const handled = routes.pipe(
    Effect.provideService(HttpIncomingMessage.MaxBodySize, maxBodySize),
    Effect.catchTags({
      ApiError: (error) => Effect.map(Effect.service(RequestState), (state) => errorResponse(error, state.requestId)),
      HttpServerError: (error) =>
        error.reason._tag === "RouteNotFound"
          ? Effect.map(Effect.service(RequestState), (state) => noRoute(state.url))
          : crashed("request failed", error)
    }),
    Effect.catchCause((cause) => Cause.hasInterruptsOnly(cause) ? Effect.failCause(cause) : crashed("request crashed", cause))
  )

  /** Routes the request, its URL made relative to the base path, with its state and request id in context. */
  const route = (request: HttpServerRequest.HttpServerRequest, relativeUrl: string, state: RequestStateShape) =>
    Effect.updateContext(handled, (context: Context.Context<HttpServerRequest.HttpServerRequest | Scope.Scope>) => {
      const annotations = Context.get(context, References.CurrentLogAnnotations)
      const withState = Context.add(
        Context.add(context, RequestState, state),
        References.CurrentLogAnnotations,
        { ...annotations, requestId: state.requestId }
      )
      return relativeUrl === request.url
        ? withState
        : Context.add(withState, HttpServerRequest.HttpServerRequest, request.modify({ url: relativeUrl }))
    })

  const app: HoardHttpApp = Effect.withFiber<
    HttpServerResponse.HttpServerResponse,
    never,
    HttpServerRequest.HttpServerRequest | Scope.Scope
  >((fiber) => {
    const request = Context.getUnsafe(fiber.context, HttpServerRequest.HttpServerRequest)
    const startedAt = performance.now()
    const relativeUrl = relativeToBase(request.url)
    const state = makeRequestState(requestIdOf(request), request.url)
    const misread = misreadTarget(request.url)
    const routed = misread !== undefined
      ? Effect.succeed(errorResponse(misread, state.requestId))
      : relativeUrl === undefined
      ? Effect.succeed(noRoute(request.url))
      : route(request, relativeUrl, state)
    return Effect.flatMap(routed, (response) => {
      const answer = HttpServerResponse.setHeaders(response, responseHeaders(state))
      return Effect.as(observe(request, state, answer, startedAt), answer)
    })
  }).pipe(Effect.catchCause(() => Effect.succeed(HttpServerResponse.empty({ status: 499 }))))
  return app
})

/** A failure no route answered: logged with its cause (and the request id), answered with a fixed 500. */
const crashed = (message: string, cause: unknown): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
  Effect.flatMap(
    Effect.service(RequestState),
    (state) => Effect.as(Effect.logError(message, cause), errorResponse(internalError(), state.requestId))
  )

const responseHeaders = ({ rateLimit, requestId }: RequestStateShape): Record<string, string> =>
  rateLimit === undefined
    ? { "x-request-id": requestId }
    : {
      "x-request-id": requestId,
      "x-ratelimit-limit": String(rateLimit.limit),
      "x-ratelimit-remaining": String(rateLimit.remaining)
    }

/**
 * A request target the router would cut short: it ends a path at a raw `#`
 * (never valid in a request target; clients strip fragments) or `;`, so
 * `PUT /v8/artifacts/abc#x` would store hash `abc`. Encoded (`%23`, `%3B`)
 * they reach the route and fail its validation.
 */
const misreadTarget = (url: string): ApiError | undefined => {
  if (url.includes("#")) return badRequest("the request target contains a raw '#'")
  const queryStart = url.indexOf("?")
  const path = queryStart === -1 ? url : url.slice(0, queryStart)
  return path.includes(";") ? badRequest("the request path contains a ';'") : undefined
}

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/u
const requestIdOf = (request: HttpServerRequest.HttpServerRequest): string => {
  const incoming = request.headers["x-request-id"]
  return incoming !== undefined && requestIdPattern.test(incoming) ? incoming : crypto.randomUUID()
}

