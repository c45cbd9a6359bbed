/**
 * An Effect SQL client for SQLite on Node's built-in `node:sqlite`.
 *
 * Ported from `@effect/sql-sqlite-node` 4.0.0-beta.102 (`src/SqliteClient.ts`,
 * MIT, Copyright (c) Effectful Technologies Inc.). The published package
 * imports `effect/unstable/sql/*` and `effect/unstable/reactivity/*`, which
 * effect 4.1 moved to `effect/sql/*` and `effect/reactivity/*`, so it cannot
 * load next to effect 4.1. Changes from the original:
 * - the imports follow effect 4.1, and the connection is shared through
 *   `SqlClient.makeSqliteAcquirers` (effect 4.1's helper for one SQLite
 *   connection behind a semaphore, which also cleans up after a failed COMMIT);
 * - transactions start with `BEGIN IMMEDIATE`, so a writer takes the write lock
 *   up front and waits for it (busy timeout) instead of failing with
 *   `SQLITE_BUSY` when it upgrades a read lock;
 * - a busy timeout is set, WAL is always on for files;
 * - streamed queries (`executeStream`), which the original does not support,
 *   read a statement's iterator a page at a time;
 * - extension loading, `export` and `layerConfig` are dropped (not needed).
 */
import { Cache, Context, Duration, Effect, Exit, Layer, Option, Scope, Semaphore, Stream } from "effect"
import * as Reactivity from "effect/reactivity/Reactivity"
import * as Client from "effect/sql/SqlClient"
import type { Connection } from "effect/sql/SqlConnection"
import { classifySqliteError, SqlError } from "effect/sql/SqlError"
import * as Statement from "effect/sql/Statement"
import { backup as backupDatabase, DatabaseSync } from "node:sqlite"
import type { StatementSync } from "node:sqlite"

export const TypeId: TypeId = "~@hoard/index-sql/SqliteClient"
export type TypeId = "~@hoard/index-sql/SqliteClient"

/** A `SqlClient` on one `node:sqlite` connection, plus an online backup. */
export interface SqliteClient extends Client.SqlClient {
  readonly [TypeId]: TypeId
  readonly config: SqliteClientConfig
  readonly backup: (destination: string) => Effect.Effect<BackupMetadata, SqlError>
  /** Not supported in sqlite */
  readonly updateValues: never
}

export interface BackupMetadata {
  readonly totalPages: number
  readonly remainingPages: number
}

export const SqliteClient = Context.Service<SqliteClient>("@hoard/index-sql/SqliteClient")

export interface SqliteClientConfig {
  /** A file path, or `:memory:`. */
  readonly filename: string
  readonly readonly?: boolean | undefined
  /** How long a statement waits for another process's lock. Default 5 s. */
  readonly busyTimeout?: Duration.Input | undefined
  readonly prepareCacheSize?: number | undefined
  readonly prepareCacheTTL?: Duration.Input | undefined
  readonly spanAttributes?: Record<string, unknown> | undefined
  readonly transformResultNames?: ((str: string) => string) | undefined
  readonly transformQueryNames?: ((str: string) => string) | undefined
}

interface SqliteConnection extends Connection {
  readonly db: DatabaseSync
  readonly backup: (destination: string) => Effect.Effect<BackupMetadata, SqlError>
}

const classifyError = (cause: unknown, message: string, operation: string) =>
  classifySqliteError(sqliteCauseWithErrno(cause), { message, operation })

/** `node:sqlite` reports the SQLite result code as `errcode`; the classifier reads `errno`. */
const sqliteCauseWithErrno = (cause: unknown): unknown => {
  if (typeof cause !== "object" || cause === null || !("errcode" in cause) || "errno" in cause) return cause
  const errcode = (cause as { readonly errcode: unknown }).errcode
  if (typeof errcode !== "number") return cause
  return Object.assign(cause, { errno: errcode })
}

/** Rows per page of a streamed query. */
const streamPageRows = 256

/** `node:sqlite` rows have a null prototype; hand out plain objects. */
const normalizeRows = (rows: ReadonlyArray<Record<string, unknown>>): ReadonlyArray<Record<string, unknown>> =>
  rows.map((row) => ({ ...row }))

const open = (options: SqliteClientConfig): Effect.Effect<DatabaseSync, SqlError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.try({
      try: () => {
        const db = new DatabaseSync(options.filename, {
          readOnly: options.readonly ?? false,
          // The busy timeout: how long a statement waits for another connection's lock.
          timeout: Duration.toMillis(Duration.fromInputUnsafe(options.busyTimeout ?? Duration.seconds(5)))
        })
        try {
          // WAL: readers do not block the writer (`:memory:` databases ignore it).
          // With WAL, `synchronous = NORMAL` cannot corrupt the file; a power
          // loss (not a process crash) may undo the last commits.
          if (options.readonly !== true) db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL")
        } catch (cause) {
          db.close()
          throw cause
        }
        return db
      },
      catch: (cause) => new SqlError({ reason: classifyError(cause, "Failed to open database", "connect") })
    }),
    (db) => Effect.sync(() => db.isOpen && db.close())
  )

const makeConnection = (options: SqliteClientConfig): Effect.Effect<SqliteConnection, SqlError, Scope.Scope> =>
  Effect.gen(function*() {
    const db = yield* open(options)

    const prepareCacheTTL = options.prepareCacheTTL ?? Duration.minutes(10)
    const prepareCache = yield* Cache.makeWith(
      (sql: string) =>
        Effect.try({
          try: () => db.prepare(sql),
          catch: (cause) => new SqlError({ reason: classifyError(cause, "Failed to prepare statement", "prepare") })
        }),
      {
        capacity: options.prepareCacheSize ?? 200,
        // A failed prepare (e.g. a table missing for a moment) is not remembered: the next call prepares again.
        timeToLive: (exit) => (Exit.isFailure(exit) ? Duration.zero : prepareCacheTTL)
      }
    )

    const runStatement = (statement: StatementSync, params: ReadonlyArray<unknown>, raw: boolean, arrays: boolean) =>
      Effect.withFiber<ReadonlyArray<any>, SqlError>((fiber) =>
        Effect.try({
          try: () => {
            statement.setReadBigInts(Context.get(fiber.context, Client.SafeIntegers))
            statement.setReturnArrays(arrays)
            if (statement.columns().length > 0) {
              const rows = statement.all(...(params as Array<any>))
              return arrays ? rows : normalizeRows(rows)
            }
            const result = statement.run(...(params as Array<any>))
            return raw ? { changes: result.changes, lastInsertRowid: result.lastInsertRowid } as any : []
          },
          catch: (cause) => new SqlError({ reason: classifyError(cause, "Failed to execute statement", "execute") })
        })
      )

    const prepared = (sql: string) => Cache.get(prepareCache, sql)
    const unprepared = (sql: string) =>
      Effect.try({
        try: () => db.prepare(sql),
        catch: (cause) => new SqlError({ reason: classifyError(cause, "Failed to prepare statement", "prepare") })
      })
    const withRows = (
      effect: Effect.Effect<ReadonlyArray<any>, SqlError>,
      transformRows: (<A extends object>(row: ReadonlyArray<A>) => ReadonlyArray<A>) | undefined
    ) => transformRows ? Effect.map(effect, transformRows) : effect

    /**
     * Rows a page at a time from one statement's iterator: its own statement,
     * not the cached one, so another query on the connection (`node:sqlite`
     * allows them in between) cannot reset it mid-stream.
     */
    const streamRows = (
      sql: string,
      params: ReadonlyArray<unknown>,
      transformRows: (<A extends object>(row: ReadonlyArray<A>) => ReadonlyArray<A>) | undefined
    ): Stream.Stream<any, SqlError> =>
      Stream.unwrap(Effect.map(unprepared(sql), (statement) => {
        const rows = statement.iterate(...(params as Array<any>))
        const page = Effect.try({
          try: () => {
            const chunk: Array<Record<string, unknown>> = []
            for (let next = rows.next(); ; next = rows.next()) {
              if (next.done === true) return [chunk, false] as const
              chunk.push({ ...(next.value as Record<string, unknown>) })
              if (chunk.length === streamPageRows) return [chunk, true] as const
            }
          },
          catch: (cause) => new SqlError({ reason: classifyError(cause, "Failed to read rows", "execute") })
        })
        return Stream.paginate(undefined, () =>
          Effect.map(page, ([chunk, more]) =>
            [transformRows ? transformRows(chunk) : chunk, more ? Option.some(undefined) : Option.none()] as const))
      }))

    return {
      db,
      execute: (sql, params, transformRows) =>
        withRows(Effect.flatMap(prepared(sql), (s) => runStatement(s, params, false, false)), transformRows),
      executeRaw: (sql, params) => Effect.flatMap(prepared(sql), (s) => runStatement(s, params, true, false)),
      executeValues: (sql, params) => Effect.flatMap(prepared(sql), (s) => runStatement(s, params, false, true)),
      executeValuesUnprepared: (sql, params) =>
        Effect.flatMap(unprepared(sql), (s) => runStatement(s, params, false, true)),
      executeUnprepared: (sql, params, transformRows) =>
        withRows(Effect.flatMap(unprepared(sql), (s) => runStatement(s, params ?? [], false, false)), transformRows),
      executeStream: (sql, params, transformRows) => streamRows(sql, params, transformRows),
      backup: (destination) =>
        Effect.suspend(() => {
          let totalPages = 0
          return Effect.tryPromise({
            try: () =>
              backupDatabase(db, destination, { progress: (progress) => void (totalPages = progress.totalPages) })
                .then((pages): BackupMetadata => ({ totalPages: totalPages || pages, remainingPages: 0 })),
            catch: (cause) => new SqlError({ reason: classifyError(cause, "Failed to backup database", "backup") })
          })
        })
    } satisfies SqliteConnection
  })

/** Opens the database (closed with the scope) behind one serialized connection. */
export const make = (
  options: SqliteClientConfig
): Effect.Effect<SqliteClient, SqlError, Scope.Scope | Reactivity.Reactivity> =>
  Effect.gen(function*() {
    const compiler = Statement.makeCompilerSqlite(options.transformQueryNames)
    const transformRows = options.transformResultNames
      ? Statement.defaultTransforms(options.transformResultNames).array
      : undefined
    const connection = yield* makeConnection(options)
    const semaphore = yield* Semaphore.make(1)
    const acquirers = Client.makeSqliteAcquirers({
      connection: Effect.succeed(connection),
      semaphore,
      isTransaction: (conn) => conn.db.isTransaction
    })
    const client = yield* Client.make({
      ...acquirers,
      driver: "sqlite-node",
      compiler,
      beginTransaction: "BEGIN IMMEDIATE",
      prepareTransactionControls: true,
      spanAttributes: [
        ...(options.spanAttributes ? Object.entries(options.spanAttributes) : []),
        ["db.system.name", "sqlite"]
      ],
      transformRows
    })
    return Object.assign(client as SqliteClient, {
      [TypeId]: TypeId as TypeId,
      config: options,
      backup: (destination: string) => Effect.scoped(Effect.flatMap(acquirers.acquirer, (_) => _.backup(destination)))
    })
  })

/** Provides both `SqliteClient` and the generic `SqlClient`. */
export const layer = (config: SqliteClientConfig): Layer.Layer<SqliteClient | Client.SqlClient, SqlError> =>
  Layer.effectContext(
    Effect.map(make(config), (client) => Context.make(SqliteClient, client).pipe(Context.add(Client.SqlClient, client)))
  ).pipe(Layer.provide(Reactivity.layer))
