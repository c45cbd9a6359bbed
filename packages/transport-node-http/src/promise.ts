import { Effect, Exit, Scope } from "effect"
import { Hoard } from "@hoard/core"
import type { HoardOptions } from "@hoard/core"
import { makeNodeHandler } from "./NodeHandler.ts"
import type { NodeHandlerOptions, NodeRequestHandler } from "./NodeHandler.ts"
import { serve } from "./NodeServer.ts"
import type { HoardServer, NodeServerOptions } from "./NodeServer.ts"

/** Plain-Promise API, for apps that do not use Effect themselves. */
export interface Closeable {
  /** Stops Hoard: in-flight requests are finished or cleanly aborted, storage is released. */
  readonly close: () => Promise<void>
}

const runScoped = async <A, E>(
  options: HoardOptions<E>,
  program: Effect.Effect<A, unknown, Scope.Scope | Hoard.HoardServices>
): Promise<A & Closeable> => {
  const scope = Scope.makeUnsafe()
  try {
    const value = await Effect.runPromise(
      program.pipe(Effect.provide(Hoard.layer(options)), Scope.provide(scope))
    )
    return { ...value, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
  } catch (error) {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    throw error
  }
}

/**
 * Creates a `(req, res, next?)` handler to mount in `http.createServer` or
 * Express (`app.use("/cache", hoard.handler)`; mount it before body parsers).
 */
export const createHoardHandler = <E>(
  options: HoardOptions<E> & NodeHandlerOptions
): Promise<{ readonly handler: NodeRequestHandler } & Closeable> =>
  runScoped(options, Effect.map(makeNodeHandler(options), (handler) => ({ handler })))

/** Starts a standalone Hoard server. */
export const startHoardServer = <E>(
  options: HoardOptions<E> & NodeServerOptions
): Promise<HoardServer & Closeable> => runScoped(options, serve(options))

