import { Effect, Redacted } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { PrometheusMetrics } from "effect/observability"
import { timingSafeEqual } from "node:crypto"
import { parseBearer, sha256 } from "../auth/bearer.ts"

/** Every Effect metric of this process (Hoard's and any other's) in the Prometheus text format. */
export const metricsResponse: Effect.Effect<HttpServerResponse.HttpServerResponse> = Effect.map(
  PrometheusMetrics.format(),
  (text) =>
    HttpServerResponse.text(text, {
      contentType: "text/plain; version=0.0.4; charset=utf-8",
      headers: { "cache-control": "no-store" }
    })
)

export interface MetricsRoutesOptions {
  /**
   * The bearer token a scraper sends. It is the only one accepted: the
   * metrics name teams, and a cache token must not read them.
   */
  readonly token: string | Redacted.Redacted<string>
}

const unauthorized = HttpServerResponse.jsonUnsafe(
  { error: { code: "unauthorized", message: "send the metrics token: Authorization: Bearer <token>" } },
  { status: 401, headers: { "www-authenticate": "Bearer" } }
)

/**
 * `GET /metrics` behind its own bearer token, to mount beside Hoard's routes
 * (`HoardAppOptions.metricsToken` does it). Without it, serve `metricsResponse`
 * on a listener only the scraper reaches.
 */
export const layer = (options: MetricsRoutesOptions) => {
  const digest = sha256(typeof options.token === "string" ? options.token : Redacted.value(options.token))
  const authorized = (request: HttpServerRequest.HttpServerRequest) => {
    const bearer = parseBearer(request.headers["authorization"])
    return "token" in bearer && timingSafeEqual(sha256(bearer.token), digest)
  }
  return HttpRouter.add("GET", "/metrics", (request) => authorized(request) ? metricsResponse : Effect.succeed(unauthorized))
}
