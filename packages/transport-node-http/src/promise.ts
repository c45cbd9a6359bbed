import { Effect, Exit, Layer, Scope } from "effect"
import { Hoard } from "@hoard/core"
import type { HoardOptions, IndexError } from "@hoard/core"
import { SqliteIndex } from "@hoard/index-sql"
import { makeNodeHandler } from "./NodeHandler.ts"
import type { NodeHandlerOptions, NodeRequestHandler } from "./NodeHandler.ts"
import { serve } from "./NodeServer.ts"
import type { HoardServer, NodeServerOptions } from "./NodeServer.ts"

/** Plain-Promise API, for apps that do not use Effect themselves. */
export interface Closeable {
  /** Stops Hoard: in-flight requests are finished or cleanly aborted, storage is released. */
  readonly close: () => Promise<void>
}

/**
 * `HoardOptions` whose `index` may be left out: it is then an SQLite
 * database in memory (lost when the process exits). Pass
 * `SqliteIndex.layer({ filename })` or `PgIndex.layer({ url })` to keep it.
 */
export type PromiseHoardOptions<E, EI> = Omit<HoardOptions<E, EI>, "index"> & {
  readonly index?: HoardOptions<E, EI>["index"]
}

const withIndex = <E, EI>(options: PromiseHoardOptions<E, EI>): HoardOptions<E, EI | IndexError> =>
  ({ ...options, index: options.index ?? SqliteIndex.layer({ filename: ":memory:" }) })

const runScoped = async <A, E, EI>(
  options: PromiseHoardOptions<E, EI>,
  program: Effect.Effect<A, unknown, Scope.Scope | Hoard.HoardServices>
): Promise<A & Closeable> => {
  const scope = Scope.makeUnsafe()
  try {
    const value = await Effect.runPromise(
      // Built into `scope`, so the services (the index, its writer) live until `close()`.
      Layer.buildWithScope(Hoard.layer(withIndex(options)), scope).pipe(
        Effect.flatMap((services) => program.pipe(Effect.provideContext(services), Scope.provide(scope)))
      )
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
export const createHoardHandler = <E, EI>(
  options: PromiseHoardOptions<E, EI> & NodeHandlerOptions
): Promise<{ readonly handler: NodeRequestHandler } & Closeable> =>
  runScoped(options, Effect.map(makeNodeHandler(options), (handler) => ({ handler })))

/** Starts a standalone Hoard server. */
export const startHoardServer = <E, EI>(
  options: PromiseHoardOptions<E, EI> & NodeServerOptions
): Promise<HoardServer & Closeable> => runScoped(options, serve(options))

