import { createServer } from "node:http"
import { Effect } from "effect"
import type { Scope } from "effect"
import { PrometheusMetrics } from "effect/observability"
import { listen, shutdown } from "./NodeServer.ts"
import type { ListenError } from "./NodeServer.ts"

export interface MetricsServerOptions {
  /** Port to listen on; 0 picks a free one. */
  readonly port: number
  /** Interface to bind. Default `127.0.0.1`. */
  readonly host?: string
}

/**
 * A second listener that serves only `GET /metrics` (Prometheus text, every
 * Effect metric of the process), without auth: bind it where only the scraper
 * reaches. Closing the scope stops it.
 */
export const serveMetrics = (
  options: MetricsServerOptions
): Effect.Effect<{ readonly host: string; readonly port: number }, ListenError, Scope.Scope> =>
  Effect.gen(function*() {
    const context = yield* Effect.context<never>()
    const server = createServer((request, response) => {
      const path = (request.url ?? "/").split("?", 1)[0]
      if (path !== "/metrics") {
        response.writeHead(404, { "content-type": "text/plain" }).end("not found: metrics are at /metrics\n")
      } else if (request.method !== "GET" && request.method !== "HEAD") {
        response.writeHead(405, { allow: "GET, HEAD" }).end()
      } else {
        const text = PrometheusMetrics.formatUnsafe(context)
        response.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8", "cache-control": "no-store" })
        response.end(request.method === "HEAD" ? undefined : text)
      }
    })
    const address = yield* Effect.acquireRelease(listen(server, options.port, options.host ?? "127.0.0.1"), () => shutdown(server, 1_000))
    return { host: address.address, port: address.port }
  })
