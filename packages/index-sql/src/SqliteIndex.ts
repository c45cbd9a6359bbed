/**
 * The cache index in a SQLite file, on Node's built-in `node:sqlite`: the
 * embedded default, for one replica. The schema is migrated when the layer
 * is built. With `writerThread`, writes to a file run on a thread with its
 * own connection (sqlite/writerThread.ts), reads on the calling thread.
 */
import { CacheIndex } from "@hoard/core"
import type { CacheIndexShape, IndexError } from "@hoard/core"
import { Effect, Layer } from "effect"
import * as Reactivity from "effect/reactivity/Reactivity"
import { SqlClient } from "effect/sql/SqlClient"
import { mkdirSync } from "node:fs"
import { dirname } from "node:path"
import { indexError } from "./internal/errors.ts"
import { migrate } from "./schema/migrations.ts"
import * as SqlCacheIndex from "./SqlCacheIndex.ts"
import * as SqliteClient from "./sqlite/SqliteClient.ts"
import { writeOperations } from "./sqlite/writerProtocol.ts"
import type { WriteOperation } from "./sqlite/writerProtocol.ts"
import * as WriterThread from "./sqlite/writerThreadClient.ts"

export interface SqliteIndexOptions {
  /** The database file (its directory is created), or `:memory:`. */
  readonly filename: string
  /**
   * Apply writes on a writer thread with its own connection (a file only;
   * default `false`). `node:sqlite` runs a statement to its end before the
   * thread can do anything else, so on the calling thread a batch of writes
   * holds up every request for milliseconds; on its own thread it holds only
   * that thread. The thread costs 60–100 MiB of RSS (its own V8 heap and a
   * second copy of the code), so it pays off on a busy server with a core to
   * spare for it.
   */
  readonly writerThread?: boolean
}

const inMemory = (filename: string): boolean => filename === ":memory:" || filename === ""

const makeParentDirectory = (filename: string) =>
  Effect.try({
    try: () => void (inMemory(filename) || mkdirSync(dirname(filename), { recursive: true })),
    catch: indexError("open", `cannot create the directory of the SQLite index ${filename}`)
  })

/** The index's write operations, each forwarded to the writer thread. */
const threadWrites = (thread: WriterThread.WriterThread): Pick<CacheIndexShape, WriteOperation> =>
  Object.fromEntries(
    writeOperations.map((operation) => [operation, (...args: ReadonlyArray<unknown>) => thread.call(operation, args)])
  ) as unknown as Pick<CacheIndexShape, WriteOperation>

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
      const index = yield* Effect.provideService(SqlCacheIndex.make, SqlClient, client)
      if (inMemory(options.filename) || options.writerThread !== true) return index
      const thread = yield* WriterThread.make(options.filename)
      return CacheIndex.of({ ...index, ...threadWrites(thread) })
    })
  ).pipe(Layer.provide(Reactivity.layer))
