/**
 * The cache index in a SQLite file, on Node's built-in `node:sqlite`: the
 * embedded default, for one replica. The schema is migrated when the layer
 * is built.
 */
import { CacheIndex } from "@hoard/core"
import type { IndexError } from "@hoard/core"
import { Effect, Layer } from "effect"
import * as Reactivity from "effect/reactivity/Reactivity"
import { SqlClient } from "effect/sql/SqlClient"
import { mkdirSync } from "node:fs"
import { dirname } from "node:path"
import { indexError } from "./internal/errors.ts"
import { migrate } from "./schema/migrations.ts"
import * as SqlCacheIndex from "./SqlCacheIndex.ts"
import * as SqliteClient from "./sqlite/SqliteClient.ts"

export interface SqliteIndexOptions {
  /** The database file (its directory is created), or `:memory:`. */
  readonly filename: string
}

const inMemory = (filename: string): boolean => filename === ":memory:" || filename === ""

const makeParentDirectory = (filename: string) =>
  Effect.try({
    try: () => void (inMemory(filename) || mkdirSync(dirname(filename), { recursive: true })),
    catch: indexError("open", `cannot create the directory of the SQLite index ${filename}`)
  })

export const layer = (options: SqliteIndexOptions): Layer.Layer<CacheIndex, IndexError> =>
  Layer.effect(
    CacheIndex,
    Effect.gen(function*() {
      yield* makeParentDirectory(options.filename)
      const client = yield* SqliteClient.make({ filename: options.filename }).pipe(
        Effect.mapError(indexError("open", `cannot open the SQLite index ${options.filename}`))
      )
      yield* migrate.pipe(
        Effect.mapError(indexError("migrate", `cannot migrate the SQLite index ${options.filename}`)),
        Effect.provideService(SqlClient, client)
      )
      return yield* Effect.provideService(SqlCacheIndex.make, SqlClient, client)
    })
  ).pipe(Layer.provide(Reactivity.layer))
