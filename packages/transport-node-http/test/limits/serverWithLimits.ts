import { Effect, Exit, Layer, Scope } from "effect"
import { Hoard, UploadLimits, defaultUploadLimits } from "@hoard/core"
import type { UploadLimitsShape } from "@hoard/core"
import { SqliteIndex } from "@hoard/index-sql"
import { MemoryStorage } from "@hoard/storage-memory"
import { serve } from "../../src/index.ts"
import type { HoardServer, NodeServerOptions } from "../../src/index.ts"

export const tokens = ["limits-token-a-0123456789", "limits-token-b-0123456789"] as const

export interface LimitedServer extends HoardServer {
  readonly close: () => Promise<void>
}

/** A real Hoard server on a free loopback port with the given upload limits and server options. */
export const startServerWithLimits = async (
  limits: Partial<UploadLimitsShape>,
  options: NodeServerOptions = {}
): Promise<LimitedServer> => {
  const scope = Scope.makeUnsafe()
  const services = Layer.merge(
    Hoard.layer({ storage: MemoryStorage.layer(), index: SqliteIndex.layer({ filename: ":memory:" }), tokens: [...tokens] }),
    Layer.succeed(UploadLimits, { ...defaultUploadLimits, ...limits })
  )
  const server = await Effect.runPromise(
    Layer.buildWithScope(services, scope).pipe(
      Effect.flatMap((context) => serve({ port: 0, ...options }).pipe(Effect.provideContext(context), Scope.provide(scope)))
    )
  )
  return { ...server, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}
