import type { IncomingMessage, ServerResponse } from "node:http"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Context, Effect } from "effect"
import { HttpMiddleware } from "effect/http"
import type { Scope } from "effect"
import { basePathMatcher, makeHoardApp, quietRoutes, requestBaseContext, UploadBodyReader } from "@hoard/core"
import type { HoardAppOptions, HoardServices } from "@hoard/core"
import { nodeUploadBody } from "./uploadBody.ts"

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

export interface NodeHandlerOptions extends HoardAppOptions {
  /**
   * A request other than an upload must have sent its whole body within this
   * long, or its connection is closed: JSON bodies are small, and a client
   * trickling one would otherwise hold a connection for as long as it likes.
   * (Uploads are held to a minimum rate instead: `minUploadBytesPerSecond`.) Default 30 seconds.
   */
  readonly bodyTimeoutMillis?: number
}

/**
 * Builds the Node request handler. In-flight requests run in `Scope`: closing
 * it interrupts them (an interrupted upload stores nothing).
 */
export const makeNodeHandler: (options?: NodeHandlerOptions) => Effect.Effect<NodeRequestHandler, never, Scope.Scope | HoardServices> = Effect.fnUntraced(function*(options: NodeHandlerOptions = {}) {
  const scope = yield* Effect.scope
  const app = yield* makeHoardApp(options).pipe(Effect.provideService(UploadBodyReader, nodeUploadBody))
  const relativeToBase = basePathMatcher(options.basePath)
  // Probes and scrapes come every few seconds: no span for them. (Asked only
  // when a tracer is installed.)
  const untraced = (request: { readonly url: string }) => {
    const relative = relativeToBase(request.url)
    return relative !== undefined && quietRoutes.has(relative.split("?", 1)[0]!)
  }
  // makeHandler runs each request in the context it is made in.
  const handle = yield* NodeHttpServer.makeHandler(app, { scope }).pipe(
    Effect.updateContext((context: Context.Context<Scope.Scope | HoardServices>) =>
      requestBaseContext(Context.add(context, HttpMiddleware.TracerDisabledWhen, untraced))
    )
  )
  const bodyTimeoutMillis = options.bodyTimeoutMillis ?? 30_000
  const handler: NodeRequestHandler = (request, response, next) => {
    if (next !== undefined && relativeToBase(request.url ?? "/") === undefined) return next()
    if (request.method !== "PUT") closeIfBodyIsLate(request, response, bodyTimeoutMillis)
    handle(request, response)
  }
  return handler
})

/**
 * Closes the connection if the request's body has not fully arrived within
 * `millis`. A request without a body is complete once its headers are in, so
 * a long download is never cut, and needs no timer at all: most requests
 * (every GET and HEAD turbo sends) declare none.
 */
const closeIfBodyIsLate = (request: IncomingMessage, response: ServerResponse, millis: number): void => {
  if (request.complete || !declaresBody(request)) return
  const timer = setTimeout(() => {
    if (!request.complete) request.socket.destroy()
  }, millis)
  timer.unref()
  response.once("close", () => clearTimeout(timer))
}

/** Whether the request announces a body (RFC 9112 §6.3: only Content-Length or Transfer-Encoding do). */
const declaresBody = ({ headers }: IncomingMessage): boolean =>
  headers["transfer-encoding"] !== undefined || (headers["content-length"] !== undefined && headers["content-length"] !== "0")
