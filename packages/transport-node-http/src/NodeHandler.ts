import type { IncomingMessage, ServerResponse } from "node:http"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Effect } from "effect"
import type { Scope } from "effect"
import { basePathMatcher, makeHoardApp } from "@hoard/core"
import type { HoardAppOptions, HoardServices } from "@hoard/core"

/**
 * A Node request listener: `(req, res)` for `http.createServer`, or Express
 * middleware `(req, res, next)`. With `next` and a `basePath`, requests outside
 * the base path are passed on to `next()` instead of answered with a 404.
 */
export type NodeRequestHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  next?: (error?: unknown) => void
) => void

export interface NodeHandlerOptions extends HoardAppOptions {}

/**
 * Builds the Node request handler. In-flight requests run in `Scope`: closing
 * it interrupts them (an interrupted upload stores nothing).
 */
export const makeNodeHandler: (options?: NodeHandlerOptions) => Effect.Effect<NodeRequestHandler, never, Scope.Scope | HoardServices> = Effect.fnUntraced(function*(options: NodeHandlerOptions = {}) {
  const scope = yield* Effect.scope
  const app = yield* makeHoardApp(options)
  const handle = yield* NodeHttpServer.makeHandler(app, { scope })
  const relativeToBase = basePathMatcher(options.basePath)
  const handler: NodeRequestHandler = (request, response, next) => {
    if (next !== undefined && relativeToBase(request.url ?? "/") === undefined) return next()
    handle(request, response)
  }
  return handler
})
