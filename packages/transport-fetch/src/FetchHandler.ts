import { Effect } from "effect"
import type { Scope } from "effect"
import { HttpEffect } from "effect/http"
import type { HttpServerRequest } from "effect/http"
import { makeHoardApp, requestBaseContext } from "@hoard/core"
import type { HoardAppOptions, HoardServices } from "@hoard/core"

/** A fetch-style handler, as Deno.serve, Bun.serve, Cloudflare Workers and srvx expect. */
export type FetchHandler = (request: Request) => Promise<Response>

export interface FetchHandlerOptions extends HoardAppOptions {}

/** Builds the fetch handler from the Hoard services in context. */
export const makeFetchHandler: (options?: FetchHandlerOptions) => Effect.Effect<FetchHandler, never, Scope.Scope | HoardServices> = Effect.fnUntraced(function*(options: FetchHandlerOptions = {}) {
  const app = yield* makeHoardApp(options)
  // Requests run in the context the handler is made in, so they log and
  // trace through the embedder's logger and tracer.
  const context = yield* Effect.context<Scope.Scope | HoardServices>()
  const handle = HttpEffect.toWebHandlerWith<Scope.Scope | HoardServices, HttpServerRequest.HttpServerRequest | Scope.Scope>(
    requestBaseContext(context)
  )(app)
  const handler: FetchHandler = (request) => handle(request)
  return handler
})
