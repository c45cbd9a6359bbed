/**
 * Retention's side of the index: the evictor's least-recently-used pages, the
 * retention figures, the activity, rollup and unstored-record deletes, and
 * leases. Each is one statement (schema: migrations `2_retention` and
 * `3_unstored_records`).
 */
import type { CacheIndexShape, EvictionCandidate } from "@hoard/core"
import { Effect } from "effect"
import type { SqlClient } from "effect/sql/SqlClient"
import type { Fragment } from "effect/sql/Statement"
import { orIndexError } from "./errors.ts"
import type { Row } from "./rows.ts"

export type RetentionShape = Pick<
  CacheIndexShape,
  "evictionCandidates" | "retentionStats" | "deleteEventsBefore" | "deleteRollupsBefore" | "deleteUnstoredBefore" | "tryLease"
>

/** The latest time the 12 hex digits at the start of an event id hold. */
const maxIdTime = 0xffff_ffff_ffff

/**
 * An exclusive upper bound on integer ms columns: `column < bound` keeps the
 * same rows as `column < before` (PostgreSQL binds no fraction to a BIGINT),
 * clamped to what an event id can hold; `undefined` when `before` is NaN.
 */
const upperBound = (before: number): number | undefined =>
  Number.isNaN(before) ? undefined : Math.min(Math.max(Math.ceil(before), 0), maxIdTime)

const count = (limit: number): number => (Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 0)

const candidateOf = (row: Row): EvictionCandidate => ({
  teamId: String(row.team_id),
  hash: String(row.hash),
  size: Number(row.size ?? 0),
  lastUsedAt: Number(row.last_used_at)
})

export const make = (sql: SqlClient): RetentionShape => {
  // `status = 'success'` is written out (not bound) wherever the partial LRU
  // indexes should answer: both planners match a partial index's predicate
  // against the query's text, not against a parameter's value.
  const evictionCandidates: CacheIndexShape["evictionCandidates"] = (query) => {
    const limit = count(query.limit)
    if (limit === 0) return Effect.succeed([])
    const where: Array<Fragment> = [sql`status = 'success'`]
    if (query.teamId !== undefined) where.push(sql`team_id = ${query.teamId}`)
    if (query.usedBefore !== undefined) {
      const bound = upperBound(query.usedBefore)
      if (bound === undefined) return Effect.succeed([])
      where.push(sql`last_used_at < ${bound}`)
    }
    if (query.sha !== undefined) where.push(sql`sha = ${query.sha}`)
    // One team: a range of artifacts_team_lru, in its order; every team: of artifacts_lru.
    const order = sql.literal(query.teamId === undefined ? "last_used_at, team_id, hash" : "last_used_at, hash")
    return sql<Row>`SELECT team_id, hash, size, last_used_at FROM artifacts WHERE ${sql.and(where)}
      ORDER BY ${order} LIMIT ${limit}`.pipe(
      Effect.map((rows) => rows.map(candidateOf)),
      orIndexError("evictionCandidates")
    )
  }

  // One row of team_usage (or the sum over all of them: a row per team, not
  // per record) and the first entry of an LRU index. SUM and COUNT come back
  // from PostgreSQL as numeric strings, BIGINT as bigint: all through `Number`.
  const retentionStats: CacheIndexShape["retentionStats"] = (teamId) => {
    const usageWhere = sql.and(teamId === undefined ? [] : [sql`team_id = ${teamId}`])
    const oldestWhere = teamId === undefined ? sql`status = 'success'` : sql`team_id = ${teamId} AND status = 'success'`
    return sql<Row>`SELECT
        COALESCE(SUM(bytes), 0) AS bytes,
        COALESCE(SUM(count), 0) AS count,
        COALESCE(SUM(evicted_count), 0) AS evicted_count,
        COALESCE(SUM(evicted_bytes), 0) AS evicted_bytes,
        (SELECT MIN(last_used_at) FROM artifacts WHERE ${oldestWhere}) AS oldest_used_at
      FROM team_usage WHERE ${usageWhere}`.pipe(
      Effect.map(([row]) => ({
        bytes: Number(row?.bytes ?? 0),
        count: Number(row?.count ?? 0),
        evictedCount: Number(row?.evicted_count ?? 0),
        evictedBytes: Number(row?.evicted_bytes ?? 0),
        oldestUsedAt: row?.oldest_used_at === null || row?.oldest_used_at === undefined
          ? null
          : Number(row.oldest_used_at)
      })),
      orIndexError("retentionStats")
    )
  }

  // Event ids start with 12 hex digits of `created_at` (`IndexWriter.newEventId`;
  // imported ids with their batch's time, never before their events), so the
  // oldest events are the start of the primary key: a range, then a probe per
  // id, no index on time. `created_at` is checked as well, so an id that does
  // not follow that rule is never deleted early. PostgreSQL plans
  // `id IN (subquery)` as a join over the whole table; `= ANY(ARRAY(...))` probes.
  const deleteEventsBefore: CacheIndexShape["deleteEventsBefore"] = (before, limit) => {
    const bound = upperBound(before)
    const n = count(limit)
    if (bound === undefined || n === 0) return Effect.succeed(0)
    const idBound = bound.toString(16).padStart(12, "0")
    const oldest = sql`SELECT id FROM activity_events WHERE id < ${idBound} AND created_at < ${bound} ORDER BY id LIMIT ${n}`
    const ids = sql.onDialectOrElse({
      pg: () => sql`id = ANY(ARRAY(${oldest}))`,
      orElse: () => sql`id IN (${oldest})`
    })
    return sql<Row>`DELETE FROM activity_events WHERE ${ids} RETURNING id`.pipe(
      Effect.map((rows) => rows.length),
      orIndexError("deleteEventsBefore")
    )
  }

  const deleteRollupsBefore: CacheIndexShape["deleteRollupsBefore"] = (before) => {
    const bound = upperBound(before)
    if (bound === undefined) return Effect.succeed(0)
    return sql<Row>`DELETE FROM hourly_rollups WHERE hour < ${bound} RETURNING hour`.pipe(
      Effect.map((rows) => rows.length),
      orIndexError("deleteRollupsBefore")
    )
  }

  // The oldest records that hold no artifact, a range of artifacts_unstored.
  // The condition is checked again on each row deleted: under PostgreSQL's
  // READ COMMITTED, a record that an upload took over meanwhile is read again
  // once its lock is free, and kept.
  const deleteUnstoredBefore: CacheIndexShape["deleteUnstoredBefore"] = (before, limit) => {
    const bound = upperBound(before)
    const n = count(limit)
    if (bound === undefined || n === 0) return Effect.succeed(0)
    const unstored = sql`status <> 'success' AND updated_at < ${bound}`
    return sql<Row>`DELETE FROM artifacts WHERE (team_id, hash) IN (
        SELECT team_id, hash FROM artifacts WHERE ${unstored} ORDER BY updated_at LIMIT ${n}
      ) AND ${unstored} RETURNING hash`.pipe(
      Effect.map((rows) => rows.length),
      orIndexError("deleteUnstoredBefore")
    )
  }

  // One upsert: whichever of several replicas' statements runs first takes a
  // free or expired lease; the others, waiting on its row, then see it held.
  const tryLease: CacheIndexShape["tryLease"] = (name, holder, ttlMs, now) => {
    const at = Math.floor(now)
    const expiresAt = Math.floor(now + ttlMs)
    return sql<Row>`INSERT INTO leases (name, holder, expires_at) VALUES (${name}, ${holder}, ${expiresAt})
      ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
      WHERE leases.holder = excluded.holder OR leases.expires_at <= ${at}
      RETURNING holder`.pipe(Effect.map((rows) => rows.length > 0), orIndexError("tryLease"))
  }

  return { evictionCandidates, retentionStats, deleteEventsBefore, deleteRollupsBefore, deleteUnstoredBefore, tryLease }
}
