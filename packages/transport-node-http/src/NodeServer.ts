import { createServer } from "node:http"
import type { Server } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect, Schema, Scope } from "effect"
import type { HoardServices } from "@hoard/core"
import { makeNodeHandler } from "./NodeHandler.ts"
import type { NodeHandlerOptions } from "./NodeHandler.ts"

export interface NodeServerOptions extends NodeHandlerOptions {
  /** Port to listen on; 0 picks a free one. Default 3000. */
  readonly port?: number
  /** Interface to bind. Default `127.0.0.1`; use `0.0.0.0` to accept remote clients. */
  readonly host?: string
  /**
   * How long shutdown waits for in-flight requests before cutting them off
   * (interrupted uploads store nothing). Default 10 seconds.
   */
  readonly shutdownGraceMillis?: number
  /** A connection that sends or receives nothing for this long is closed. Default 2 minutes. */
  readonly idleTimeoutMillis?: number
  /** A client must send a request's headers within this long of starting it. Default 60 seconds. */
  readonly headersTimeoutMillis?: number
  /**
   * Open connections at most; Node closes any beyond it as soon as it is
   * accepted. Each connection holds a file descriptor. Default 1024.
   */
  readonly maxConnections?: number
}

export interface HoardServer {
  readonly server: Server
  readonly host: string
  readonly port: number
  /** Base URL for TURBO_API, e.g. `http://127.0.0.1:3000` (plus the base path). */
  readonly url: string
}

export class ListenError extends Schema.TaggedError<ListenError>()("ListenError", {
  message: Schema.String,
  cause: Schema.optional(Schema.Defect())
}) {}

/**
 * Starts a standalone HTTP server. The routes are built before `listen()`, so
 * no request can arrive before the app is ready. Closing the scope shuts the
 * server down gracefully: it stops accepting, lets in-flight requests finish
 * within the grace period, then cuts the rest off.
 */
export const serve: (options?: NodeServerOptions) => Effect.Effect<HoardServer, ListenError, Scope.Scope | HoardServices> = Effect.fnUntraced(function*(options: NodeServerOptions = {}) {
  // Request fibers live in a child scope created before the listener, so on
  // shutdown it is closed (interrupting what is left) only after the server
  // has drained in-flight requests.
  const requests = yield* Scope.fork(yield* Effect.scope)
  const handler = yield* makeNodeHandler(options).pipe(Scope.provide(requests))
  const headersTimeout = options.headersTimeoutMillis ?? 60_000
  const server = createServer({
    // Large uploads may take long: no deadline for a whole request. Slow
    // uploads are cut by the upload rate, slow JSON bodies by the handler's
    // body timeout, idle connections below.
    requestTimeout: 0,
    headersTimeout,
    // How often Node checks the headers deadline (its default, 30 s, would let a short one run long).
    connectionsCheckingInterval: Math.min(30_000, Math.max(100, headersTimeout / 2)),
    keepAliveTimeout: 5_000
  }, (request, response) => handler(request, response))
  server.setTimeout(options.idleTimeoutMillis ?? 120_000, (socket) => socket.destroy())
  server.maxConnections = options.maxConnections ?? 1024

  const host = options.host ?? "127.0.0.1"
  const address = yield* Effect.acquireRelease(
    listen(server, options.port ?? 3000, host),
    () => shutdown(server, options.shutdownGraceMillis ?? 10_000)
  )
  const urlHost = address.family === "IPv6" ? `[${address.address}]` : address.address
  const basePath = (options.basePath ?? "").replace(/\/+$/u, "")
  return {
    server,
    host: address.address,
    port: address.port,
    url: `http://${urlHost}:${address.port}${basePath}`
  } satisfies HoardServer
})

/** @internal Listens, or fails with a `ListenError` naming the address. */
export const listen = (server: Server, port: number, host: string) =>
  Effect.callback<AddressInfo, ListenError>((resume) => {
    const onError = (error: Error) =>
      resume(Effect.fail(new ListenError({ message: `cannot listen on ${host}:${port}: ${error.message}`, cause: error })))
    server.once("error", onError)
    server.listen(port, host, () => {
      server.off("error", onError)
      resume(Effect.succeed(server.address() as AddressInfo))
    })
  })

/** @internal Stops accepting, lets requests finish within `graceMillis`, then cuts the rest off. */
export const shutdown = (server: Server, graceMillis: number) =>
  Effect.callback<void>((resume) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMillis)
    server.close(() => {
      clearTimeout(timer)
      resume(Effect.void)
    })
    server.closeIdleConnections()
  })
