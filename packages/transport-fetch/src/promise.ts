import { Effect, Exit, Layer, Scope } from "effect"
import { Hoard } from "@hoard/core"
import type { HoardOptions } from "@hoard/core"
import { makeFetchHandler } from "./FetchHandler.ts"
import type { FetchHandler, FetchHandlerOptions } from "./FetchHandler.ts"

export interface HoardFetch {
  /** Handles one request. The services are built on the first call (or by `ready`). */
  readonly fetch: FetchHandler
  /** Builds the services now; rejects if storage is misconfigured. */
  readonly ready: () => Promise<void>
  /** Releases storage and other resources. */
  readonly close: () => Promise<void>
}

/**
 * Creates a fetch handler synchronously, as module-level code in fetch
 * runtimes needs: `export default createHoardFetch({ ... })`.
 */
export const createHoardFetch = <E, EI>(options: HoardOptions<E, EI> & FetchHandlerOptions): HoardFetch => {
  const scope = Scope.makeUnsafe()
  let handler: Promise<FetchHandler> | undefined
  const build = () =>
    handler ??= Effect.runPromise(
      // Built into `scope`, so the services (the index, its writer) live until `close()`.
      Layer.buildWithScope(Hoard.layer(options), scope).pipe(
        Effect.flatMap((services) => makeFetchHandler(options).pipe(Effect.provideContext(services), Scope.provide(scope)))
      )
    )
  return {
    fetch: (request) => build().then((handle) => handle(request)),
    ready: () => build().then(() => undefined),
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}
