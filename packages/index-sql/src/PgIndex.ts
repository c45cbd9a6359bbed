/**
 * The cache index in PostgreSQL, through `@effect/sql-pg`: for several
 * replicas sharing one index. The schema is migrated when the layer is built
 * (replicas starting together take turns), which is also when an unreachable
 * server fails the layer, after at most `connectTimeout`.
 */
import * as PgClient from "@effect/sql-pg/PgClient"
import { CacheIndex } from "@hoard/core"
import type { IndexError } from "@hoard/core"
import { Duration, Effect, Layer, Redacted } from "effect"
import * as Reactivity from "effect/reactivity/Reactivity"
import { SqlClient } from "effect/sql/SqlClient"
import { indexError } from "./internal/errors.ts"
import { migrate } from "./schema/migrations.ts"
import * as SqlCacheIndex from "./SqlCacheIndex.ts"

export interface PgIndexOptions {
  /** `postgres://user:password@host:port/database`. */
  readonly url: string | Redacted.Redacted<string>
  /** How long connecting may take before the index counts as unreachable. Default 5 seconds. */
  readonly connectTimeout?: Duration.Input
  /** Pool size. Default 10. */
  readonly maxConnections?: number
}

/** `host:port/database` of the URL: which server, never the password. */
const describe = (url: string): string => {
  try {
    const parsed = new URL(url)
    return `${parsed.host}${parsed.pathname}`
  } catch {
    return "(an unparsable URL)"
  }
}

export const layer = (options: PgIndexOptions): Layer.Layer<CacheIndex, IndexError> => {
  const url = Redacted.isRedacted(options.url) ? options.url : Redacted.make(options.url)
  const where = describe(Redacted.value(url))
  return Layer.effect(
    CacheIndex,
    Effect.gen(function*() {
      // The pool connects lazily: the first statement of the migration is the
      // first connection, and fails within `connectTimeout` when the server is not there.
      const client = yield* PgClient.make({
        url,
        connectTimeout: options.connectTimeout ?? Duration.seconds(5),
        maxConnections: options.maxConnections ?? 10,
        applicationName: "hoard"
      }).pipe(Effect.mapError(indexError("open", `cannot open the PostgreSQL index at ${where}`)))
      yield* migrate.pipe(
        Effect.mapError(indexError("migrate", `cannot migrate the PostgreSQL index at ${where}`)),
        Effect.provideService(SqlClient, client)
      )
      return yield* Effect.provideService(SqlCacheIndex.make, SqlClient, client)
    })
  ).pipe(Layer.provide(Reactivity.layer))
}
