/**
 * The cache index over effect/sql: one implementation for SQLite and
 * PostgreSQL (the schema is in `schema/migrations.ts`).
 *
 * A batch costs a few statements of each kind, whatever its size: inserts of
 * the new events (which tell which ids were new), one read of the records the
 * batch touches, then a delete, upserts of records, of rollup buckets and of
 * usage rows. Rows go in multi-row statements of a few fixed sizes
 * (`repeatedChunksOf`), prepared once. The artifact state machine runs in JS
 * over the loaded records (`internal/records.ts`).
 *
 * Several PostgreSQL writers: the records a batch touches are locked first
 * (transaction-scoped advisory locks, which also cover records that do not
 * exist yet), so each writer reads, transitions and writes them back without
 * losing another's update, and usage deltas are computed from what is really
 * stored. Counters are added by the database (`x = x + excluded.x`). Every
 * writer takes its locks in one order (event ids, record keys, rollup buckets,
 * teams, each sorted), so writers wait for each other but do not deadlock;
 * a deadlock or serialization failure would still be retried.
 */
import { IndexError, rollupHourMs, staleUploadMs, WriteMayYield } from "@hoard/core"
import type {
  ArtifactPage,
  ArtifactQuery,
  CacheIndexShape,
  EventPage,
  EventQuery,
  IndexedArtifact,
  IndexWrite,
  InvalidCursor,
  StoredActivityEvent
} from "@hoard/core"
import { Effect, Fiber, Option } from "effect"
import { BeginTransaction, SqlClient } from "effect/sql/SqlClient"
import type { SqlError } from "effect/sql/SqlError"
import type { Fragment } from "effect/sql/Statement"
import { decodeCursor, encodeCursor } from "./internal/cursor.ts"
import { orIndexError } from "./internal/errors.ts"
import * as Retention from "./internal/retention.ts"
import {
  applyEvent,
  applyGone,
  applyRemoved,
  applyStored,
  countsAsEvicted,
  onlyUseChanged,
  recordKeyOf,
  sameRecord,
  usageOf
} from "./internal/records.ts"
import type { ArtifactRecord } from "./internal/records.ts"
import { counterColumns, RollupAccumulator, totalsOf } from "./internal/rollups.ts"
import {
  artifactFromRow,
  artifactToRow,
  artifactUseColumns,
  artifactValueColumns,
  eventFromRow,
  eventToRow
} from "./internal/rows.ts"
import type { Row } from "./internal/rows.ts"
import { usageColumns, UsageDeltas } from "./internal/usage.ts"
import type { UsageDelta } from "./internal/usage.ts"

const checkTimeout = "5 seconds"

/** Bind parameters per statement: under SQLite's 32 766 and PostgreSQL's 65 535. */
const maxParameters = 30_000

const chunksOf = <A>(items: ReadonlyArray<A>, parametersPerItem: number): Array<ReadonlyArray<A>> => {
  const size = Math.max(1, Math.floor(maxParameters / parametersPerItem))
  const chunks: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size))
  return chunks
}

/**
 * The row counts of `repeatedChunksOf`: few, so their statements stay
 * prepared. 256 rows of the widest table (artifacts, 14 columns) bind 3,584
 * parameters, far under `maxParameters`.
 */
const repeatedChunkSizes = [256, 64, 16, 4, 1] as const

/**
 * Splits rows to insert into chunks of the sizes in `repeatedChunkSizes`
 * (largest first): a multi-row statement's text then repeats from batch to
 * batch, so it is prepared once and kept (the client's prepared-statement
 * cache), instead of being parsed again for every batch's own row count.
 * Parsing a 1,000-row insert cost more than running it.
 */
const repeatedChunksOf = <A>(items: ReadonlyArray<A>): Array<ReadonlyArray<A>> => {
  const chunks: Array<ReadonlyArray<A>> = []
  let start = 0
  for (const size of repeatedChunkSizes) {
    for (; items.length - start >= size; start += size) chunks.push(items.slice(start, start + size))
  }
  return chunks
}

/** The advisory-lock namespace of record locks (the first key of `pg_advisory_xact_lock(int, int)`). */
const recordLockSpace = 0x4f41 // "OA"

/** FNV-1a, as a signed 32-bit integer: the second advisory-lock key of a record. */
const lockKeyOf = (key: string): number => {
  let hash = 0x811c9dc5
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193)
  return hash | 0
}

interface RecordKey {
  readonly teamId: string
  readonly hash: string
}

const keyString = (teamId: string, hash: string): string => `${teamId}\u0000${hash}`

/**
 * How long the index remembers a removal, against reconciliation pages listed
 * before it and applied after it (`applyStored`). A walk applies each page
 * right after listing it, so a listing is stale for seconds; an hour covers
 * a paused replica. Older removals are forgotten as new ones are written.
 */
const removalMemoryMs = 60 * 60 * 1000

interface Removal extends RecordKey {
  readonly removedAt: number
}

/** A registered upload that never ended reads as failed: its replica died. */
const asRead = (record: IndexedArtifact, now: number): IndexedArtifact =>
  record.status === "registered" && record.updatedAt < now - staleUploadMs ? { ...record, status: "failed" } : record

const isConflict = (error: SqlError): boolean =>
  error.reason._tag === "DeadlockError" || error.reason._tag === "SerializationError"

/** An upsert's SET list that takes `columns` from the row it would have inserted. */
const setFromExcluded = (columns: ReadonlyArray<string>): string =>
  columns.map((column) => `${column} = excluded.${column}`).join(", ")

/** An upsert's SET list that adds the counters `columns` of the row it would have inserted to `table`'s. */
const addExcluded = (table: string, columns: ReadonlyArray<string>): string =>
  columns.map((column) => `${column} = ${table}.${column} + excluded.${column}`).join(", ")

/** `sql.insert` takes a non-empty array; the chunks always are. */
const rows = <A extends object>(items: ReadonlyArray<A>) =>
  items as unknown as readonly [Record<string, unknown>, ...Array<Record<string, unknown>>]

export const make: Effect.Effect<CacheIndexShape, never, SqlClient> = Effect.gen(function*() {
  const sql = yield* SqlClient

  /**
   * Selects a chunk of keys: `team_id = ? AND hash IN (...)` per team (a batch
   * is mostly one team), which both databases answer with primary key probes.
   */
  const keysIn = (keys: ReadonlyArray<RecordKey>): Fragment => {
    const byTeam = new Map<string, Array<string>>()
    for (const key of keys) {
      const hashes = byTeam.get(key.teamId)
      if (hashes === undefined) byTeam.set(key.teamId, [key.hash])
      else hashes.push(key.hash)
    }
    return sql.or(Array.from(byTeam, ([teamId, hashes]) => sql`(team_id = ${teamId} AND ${sql.in("hash", hashes)})`))
  }

  /**
   * Runs `statement` over `items` in repeated chunks (`repeatedChunksOf`), the
   * results in order; when the writer allows it (`WriteMayYield`), other work
   * runs between two statements. A SQLite statement runs to its end on the
   * event loop: a batch's thousand rows in one go held up requests for
   * milliseconds.
   */
  const inChunks = <A, B>(items: ReadonlyArray<A>, statement: (chunk: ReadonlyArray<A>) => Effect.Effect<B, SqlError>) =>
    WriteMayYield.use((mayYield) =>
      Effect.forEach(
        repeatedChunksOf(items),
        mayYield ? (chunk) => Effect.tap(statement(chunk), () => Effect.yieldNow) : statement
      )
    )

  // ---- write ----

  /** Stores the events (sorted by id); returns the ids that were not stored yet. */
  const insertEvents = (events: ReadonlyArray<StoredActivityEvent>) =>
    Effect.map(
      inChunks(events, (chunk) =>
        sql<Row>`INSERT INTO activity_events ${sql.insert(rows(chunk.map(eventToRow)))}
          ON CONFLICT (id) DO NOTHING RETURNING id`),
      (returned) => new Set(returned.flat().map((row) => String(row.id)))
    )

  /** Of these ids (of events not to store), those already stored. */
  const storedIds = Effect.fnUntraced(function*(ids: ReadonlyArray<string>) {
    const found = new Set<string>()
    for (const chunk of chunksOf(ids, 1)) {
      const returned = yield* sql<Row>`SELECT id FROM activity_events WHERE ${sql.in("id", chunk)}`.unprepared
      for (const row of returned) found.add(String(row.id))
    }
    return found
  })

  /** PostgreSQL: locks the records (present or not) until the transaction ends, in one global order. */
  const lockRecords = (keys: ReadonlyArray<RecordKey>) => {
    const lockKeys = Array.from(new Set(keys.map((key) => lockKeyOf(keyString(key.teamId, key.hash))))).sort((a, b) =>
      a - b
    )
    return Effect.forEach(
      chunksOf(lockKeys, 1),
      (chunk) =>
        sql`SELECT pg_advisory_xact_lock(${recordLockSpace}, k) FROM (VALUES ${
          sql.csv(chunk.map((k) => sql`(${k})`))
        }) AS locks (k)`.unprepared,
      { discard: true }
    )
  }

  const loadRecords = Effect.fnUntraced(function*(keys: ReadonlyArray<RecordKey>) {
    yield* sql.onDialectOrElse({ pg: () => lockRecords(keys), orElse: () => Effect.void })
    const records = new Map<string, IndexedArtifact>()
    for (const chunk of chunksOf(keys, 2)) {
      const rows = yield* sql<Row>`SELECT * FROM artifacts WHERE ${keysIn(chunk)}`.unprepared
      for (const row of rows) {
        const record = artifactFromRow(row)
        records.set(keyString(record.teamId, record.hash), record)
      }
    }
    return records
  })

  /** The last removal of each of these records that the index remembers. */
  const loadRemovals = Effect.fnUntraced(function*(keys: ReadonlyArray<RecordKey>) {
    const removals = new Map<string, number>()
    for (const chunk of chunksOf(keys, 2)) {
      const rows = yield* sql<Row>`SELECT team_id, hash, removed_at FROM artifact_removals WHERE ${keysIn(chunk)}`.unprepared
      for (const row of rows) removals.set(keyString(String(row.team_id), String(row.hash)), Number(row.removed_at))
    }
    return removals
  })

  /** Remembers removals (a later one replaces an earlier), and forgets those `removalMemoryMs` older than the newest. */
  const rememberRemovals = Effect.fnUntraced(function*(removals: ReadonlyArray<Removal>) {
    let newest = 0
    for (const removal of removals) newest = Math.max(newest, removal.removedAt)
    yield* inChunks(removals, (chunk) =>
      sql`INSERT INTO artifact_removals ${
        sql.insert(rows(chunk.map(({ hash, removedAt, teamId }) => ({ team_id: teamId, hash, removed_at: removedAt }))))
      }
        ON CONFLICT (team_id, hash) DO UPDATE SET removed_at = CASE
          WHEN excluded.removed_at > artifact_removals.removed_at THEN excluded.removed_at
          ELSE artifact_removals.removed_at END`)
    yield* sql`DELETE FROM artifact_removals WHERE removed_at < ${newest - removalMemoryMs}`
  })

  const deleteRecords = (keys: ReadonlyArray<RecordKey>) =>
    Effect.forEach(chunksOf(keys, 2), (chunk) => sql`DELETE FROM artifacts WHERE ${keysIn(chunk)}`.unprepared, {
      discard: true
    })

  /** Upserts records, rewriting the `set` columns of those that exist. */
  const upsertRecords = (records: ReadonlyArray<IndexedArtifact>, set: Fragment) =>
    inChunks(records, (chunk) =>
      sql`INSERT INTO artifacts ${sql.insert(rows(chunk.map(artifactToRow)))}
        ON CONFLICT (team_id, hash) DO UPDATE SET ${set}`)
  const setArtifactValues = sql.literal(setFromExcluded(artifactValueColumns))
  const setArtifactUse = sql.literal(setFromExcluded(artifactUseColumns))

  const addRollupCounters = sql.literal(addExcluded("hourly_rollups", counterColumns))
  const addRollups = (accumulator: RollupAccumulator) =>
    inChunks(accumulator.result(), (chunk) =>
      sql`INSERT INTO hourly_rollups ${sql.insert(rows(chunk))}
        ON CONFLICT (team_id, hour) DO UPDATE SET ${addRollupCounters}`)

  const addUsageCounters = sql.literal(addExcluded("team_usage", usageColumns))
  const addUsage = (deltas: ReadonlyArray<UsageDelta>) =>
    inChunks(deltas, (chunk) =>
      sql`INSERT INTO team_usage ${sql.insert(rows(chunk))}
        ON CONFLICT (team_id) DO UPDATE SET ${addUsageCounters}`)

  const applyBatch = Effect.fnUntraced(function*(batch: ReadonlyArray<IndexWrite>) {
    // 1. Store the new events. An id already stored (a retried batch, or twice
    //    in this one) changes nothing, so only the ids the insert returns count.
    const toStore = new Map<string, StoredActivityEvent>()
    const notStored = new Set<string>()
    for (const write of batch) {
      if (write._tag !== "Event") continue
      if (!write.store) notStored.add(write.event.id)
      else if (!toStore.has(write.event.id)) toStore.set(write.event.id, write.event)
    }
    const fresh = yield* insertEvents(Array.from(toStore.values()).sort((a, b) => (a.id < b.id ? -1 : 1)))
    const known = notStored.size > 0 ? yield* storedIds(Array.from(notStored)) : new Set<string>()
    const effective = batch.filter((write) =>
      write._tag !== "Event" || (write.store ? fresh.delete(write.event.id) : !known.has(write.event.id))
    )

    // 2. Load (and lock) the records the batch changes, in one global order.
    const keys = new Map<string, RecordKey>()
    for (const write of effective) {
      const key = write._tag === "Event" ? recordKeyOf(write.event) : write
      if (key !== undefined) keys.set(keyString(key.teamId, key.hash), { teamId: key.teamId, hash: key.hash })
    }
    const sortedKeys = Array.from(keys.keys()).sort().map((key) => keys.get(key)!)
    const before = sortedKeys.length > 0 ? yield* loadRecords(sortedKeys) : new Map<string, IndexedArtifact>()
    // Reconciliation checks what it lists against the last removals (locked with the records).
    const listed = effective.filter((write) => write._tag === "Stored")
    const removedAt = listed.length > 0 ? yield* loadRemovals(listed) : new Map<string, number>()
    const removals = new Map<string, Removal>()
    const removedAtTime = (key: RecordKey, at: number) => {
      const k = keyString(key.teamId, key.hash)
      const latest = Math.max(at, removedAt.get(k) ?? at)
      removedAt.set(k, latest)
      removals.set(k, { teamId: key.teamId, hash: key.hash, removedAt: latest })
    }

    // 3. Fold the batch, in array order, over records and rollups; count
    //    what eviction removes (a record the batch writes again still was evicted).
    const after = new Map<string, ArtifactRecord>(before)
    const rollups = new RollupAccumulator()
    const usage = new UsageDeltas()
    for (const write of effective) {
      if (write._tag === "Event") {
        rollups.add(write.event)
        const key = recordKeyOf(write.event)
        if (key === undefined) continue
        const k = keyString(key.teamId, key.hash)
        after.set(k, applyEvent(after.get(k), write.event))
        if (write.event.event_type === "artifact.deleted") removedAtTime(key, write.event.created_at)
        continue
      }
      const k = keyString(write.teamId, write.hash)
      const record = after.get(k)
      switch (write._tag) {
        case "Stored":
          after.set(k, applyStored(record, write, removedAt.get(k)))
          break
        case "Gone":
          after.set(k, applyGone(record, write))
          break
        case "Removed": {
          const next = applyRemoved(record, write)
          if (record !== undefined && next === undefined && countsAsEvicted(record, write)) {
            usage.evicted(write.teamId, record.size ?? 0)
          }
          after.set(k, next)
          removedAtTime(write, write.at)
          break
        }
      }
    }

    // 4. Write back what changed, and the usage it moves.
    //    A record only downloaded since (the most common change) is written
    //    back with its use columns alone.
    const deleted: Array<RecordKey> = []
    const changed: Array<IndexedArtifact> = []
    const used: Array<IndexedArtifact> = []
    for (const key of sortedKeys) {
      const k = keyString(key.teamId, key.hash)
      const old = before.get(k)
      const next = after.get(k)
      if (sameRecord(old, next)) continue
      if (next === undefined) deleted.push(key)
      else if (old !== undefined && onlyUseChanged(old, next)) used.push(next)
      else changed.push(next)
      usage.moved(key.teamId, usageOf(old), usageOf(next))
    }
    if (deleted.length > 0) yield* deleteRecords(deleted)
    if (changed.length > 0) yield* upsertRecords(changed, setArtifactValues)
    if (used.length > 0) yield* upsertRecords(used, setArtifactUse)
    if (removals.size > 0) yield* rememberRemovals(Array.from(removals.values()))
    yield* addRollups(rollups)
    const deltas = usage.result()
    if (deltas.length > 0) yield* addUsage(deltas)
  })

  // PostgreSQL: READ COMMITTED whatever the server's default, so that the
  // records read after taking their locks are the latest committed ones (a
  // REPEATABLE READ snapshot would predate the locks and lose updates).
  // SQLite: the client's `BEGIN IMMEDIATE`.
  const begin = sql.onDialectOrElse({ pg: () => "BEGIN ISOLATION LEVEL READ COMMITTED", orElse: () => undefined })

  const write: CacheIndexShape["write"] = (batch) =>
    batch.length === 0 ? Effect.void : sql.withTransaction(applyBatch(batch)).pipe(
      Effect.provideService(BeginTransaction, begin),
      Effect.retry({ times: 3, while: isConflict }),
      orIndexError("write")
    )

  // ---- reads ----

  const listArtifacts: CacheIndexShape["listArtifacts"] = Effect.fnUntraced(function*(query) {
    const after = yield* decodeCursor("a", query.cursor)
    const limit = Math.max(1, Math.floor(query.limit))
    const staleBefore = query.now - staleUploadMs
    const where: Array<Fragment> = [sql`team_id = ${query.teamId}`]
    if (query.status === "failed") {
      where.push(sql`(status = 'failed' OR (status = 'registered' AND updated_at < ${staleBefore}))`)
    } else if (query.status === "registered") {
      where.push(sql`status = 'registered' AND updated_at >= ${staleBefore}`)
    } else if (query.status !== undefined) {
      where.push(sql`status = ${query.status}`)
    }
    if (query.sha !== undefined) where.push(sql`sha = ${query.sha}`)
    if (query.from !== undefined) where.push(sql`updated_at >= ${query.from}`)
    if (query.to !== undefined) where.push(sql`updated_at < ${query.to}`)
    if (after !== undefined) {
      where.push(sql`(updated_at < ${after.time} OR (updated_at = ${after.time} AND hash > ${after.key}))`)
    }
    const rows = yield* sql<Row>`SELECT * FROM artifacts WHERE ${sql.and(where)}
      ORDER BY updated_at DESC, hash LIMIT ${limit + 1}`
    const artifacts = rows.slice(0, limit).map((row) => asRead(artifactFromRow(row), query.now))
    const last = artifacts[artifacts.length - 1]
    return rows.length > limit && last !== undefined
      ? { artifacts, nextCursor: encodeCursor("a", { time: last.updatedAt, key: last.hash }) }
      : { artifacts }
  }, orIndexError("listArtifacts"))

  const getArtifact: CacheIndexShape["getArtifact"] = (teamId, hash, now) =>
    sql<Row>`SELECT * FROM artifacts WHERE team_id = ${teamId} AND hash = ${hash}`.pipe(
      Effect.map((rows) => Option.map(Option.fromNullishOr(rows[0]), (row) => asRead(artifactFromRow(row), now))),
      orIndexError("getArtifact")
    )

  const listEvents: CacheIndexShape["listEvents"] = Effect.fnUntraced(function*(query) {
    const after = yield* decodeCursor("e", query.cursor)
    const limit = Math.max(1, Math.floor(query.limit))
    const where: Array<Fragment> = [sql`team_id = ${query.teamId}`]
    if (query.types !== undefined && query.types.length > 0) where.push(sql.in("event_type", query.types))
    if (query.from !== undefined) where.push(sql`created_at >= ${query.from}`)
    if (query.to !== undefined) where.push(sql`created_at < ${query.to}`)
    if (after !== undefined) where.push(sql`(created_at, id) < (${after.time}, ${after.key})`)
    const rows = yield* sql<Row>`SELECT * FROM activity_events WHERE ${sql.and(where)}
      ORDER BY created_at DESC, id DESC LIMIT ${limit + 1}`
    const page = rows.slice(0, limit)
    const last = page[page.length - 1]
    const events = page.map(eventFromRow)
    return rows.length > limit && last !== undefined
      ? { events, nextCursor: encodeCursor("e", { time: Number(last.created_at), key: String(last.id) }) }
      : { events }
  }, orIndexError("listEvents"))

  const getEvent: CacheIndexShape["getEvent"] = (teamId, id) =>
    sql<Row>`SELECT * FROM activity_events WHERE id = ${id} AND team_id = ${teamId}`.pipe(
      Effect.map((rows) => Option.map(Option.fromNullishOr(rows[0]), eventFromRow)),
      orIndexError("getEvent")
    )

  const sums = sql.literal(counterColumns.map((column) => `COALESCE(SUM(${column}), 0) AS ${column}`).join(", "))
  const analytics: CacheIndexShape["analytics"] = (teamId, from, to) => {
    const firstHour = Math.floor(from / rollupHourMs) * rollupHourMs
    return sql<Row>`SELECT ${sums} FROM hourly_rollups WHERE team_id = ${teamId} AND hour >= ${firstHour} AND hour < ${to}`
      .pipe(Effect.map((rows) => totalsOf(rows[0])), orIndexError("analytics"))
  }

  const analyticsBuckets: CacheIndexShape["analyticsBuckets"] = (teamId, from, to, bucketMs) => {
    const firstHour = Math.floor(from / rollupHourMs) * rollupHourMs
    const size = Math.max(1, Math.round(bucketMs / rollupHourMs)) * rollupHourMs
    // Whole numbers computed here go into the statement as literals, so both databases divide as integers.
    const bucket = sql.literal(`(hour - ${firstHour}) / ${size}`)
    return sql<Row>`SELECT ${bucket} AS bucket, ${sums} FROM hourly_rollups
      WHERE team_id = ${teamId} AND hour >= ${firstHour} AND hour < ${to} GROUP BY 1 ORDER BY 1`
      .pipe(
        Effect.map((rows) => rows.map((row) => ({ start: firstHour + Number(row.bucket) * size, ...totalsOf(row) }))),
        orIndexError("analyticsBuckets")
      )
  }

  const usage: CacheIndexShape["usage"] = (teamId) =>
    sql<Row>`SELECT bytes, count FROM team_usage WHERE team_id = ${teamId}`.pipe(
      Effect.map((rows) => ({ bytes: Number(rows[0]?.bytes ?? 0), count: Number(rows[0]?.count ?? 0) })),
      orIndexError("usage")
    )

  // A loose index scan: one index probe per team, not a scan of every record.
  const teams: CacheIndexShape["teams"] = sql<Row>`WITH RECURSIVE teams (team_id) AS (
      SELECT MIN(team_id) FROM artifacts
      UNION ALL
      SELECT (SELECT MIN(team_id) FROM artifacts WHERE artifacts.team_id > teams.team_id) FROM teams
      WHERE teams.team_id IS NOT NULL
    )
    SELECT team_id FROM teams WHERE team_id IS NOT NULL`.pipe(
    Effect.map((rows) => rows.map((row) => String(row.team_id))),
    orIndexError("teams")
  )

  const successHashes: CacheIndexShape["successHashes"] = (teamId, after, limit) => {
    const where = [sql`team_id = ${teamId}`, sql`status = 'success'`]
    if (after !== undefined) where.push(sql`hash > ${after}`)
    return sql<Row>`SELECT hash FROM artifacts WHERE ${sql.and(where)}
      ORDER BY hash LIMIT ${Math.max(0, Math.floor(limit))}`.pipe(
      Effect.map((rows) => rows.map((row) => String(row.hash))),
      orIndexError("successHashes")
    )
  }

  const getMeta: CacheIndexShape["getMeta"] = (key) =>
    sql<Row>`SELECT value FROM index_meta WHERE key = ${key}`.pipe(
      Effect.map((rows) => Option.map(Option.fromNullishOr(rows[0]), (row) => String(row.value))),
      orIndexError("getMeta")
    )

  const setMeta: CacheIndexShape["setMeta"] = (key, value) =>
    sql`INSERT INTO index_meta (key, value) VALUES (${key}, ${value})
      ON CONFLICT (key) DO UPDATE SET value = excluded.value`.pipe(Effect.asVoid, orIndexError("setMeta"))

  // A readiness probe must answer even when the server hangs (a partition).
  // Interrupting a query waits for the driver to cancel it (another connection
  // attempt), so the probe runs detached: past the timeout it is abandoned.
  const check: CacheIndexShape["check"] = Effect.gen(function*() {
    const probe = yield* Effect.forkDetach(Effect.asVoid(sql`SELECT 1`))
    return yield* Fiber.join(probe).pipe(
      Effect.timeoutOrElse({
        duration: checkTimeout,
        orElse: () =>
          Effect.andThen(
            Effect.forkDetach(Fiber.interrupt(probe)),
            Effect.fail(new IndexError({ operation: "check", message: `the cache index did not answer within ${checkTimeout}` }))
          )
      })
    )
  }).pipe(orIndexError("check"))

  return {
    write,
    listArtifacts,
    getArtifact,
    listEvents,
    getEvent,
    analytics,
    analyticsBuckets,
    usage,
    teams,
    successHashes,
    ...Retention.make(sql),
    getMeta,
    setMeta,
    check
  } satisfies CacheIndexShape
})
