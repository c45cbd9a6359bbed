/**
 * The index schema, one for SQLite and PostgreSQL, applied with effect's
 * `Migrator`. Times are integer ms since the epoch (`BIGINT`); flags are
 * `INTEGER` 0/1 (SQLite has no boolean, and `node:sqlite` binds none).
 *
 * Add a migration as a new entry `"<n>_<name>"`; never edit an applied one.
 */
import { Effect } from "effect"
import * as Migrator from "effect/sql/Migrator"
import { SqlClient } from "effect/sql/SqlClient"

/** The table where the migrator records what it applied. */
export const migrationsTable = "hoard_index_migrations"

/**
 * The type of key columns. Keys sort bytewise on both databases: PostgreSQL
 * would otherwise follow the database's locale, and reconciliation pages
 * hashes in storage order.
 */
const keyType = (sql: SqlClient) =>
  sql.onDialectOrElse({ pg: () => sql.literal(`TEXT COLLATE "C"`), orElse: () => sql.literal("TEXT") })

const initial = Effect.gen(function*() {
  const sql = yield* SqlClient
  const key = keyType(sql)

  yield* sql`CREATE TABLE artifacts (
    team_id ${key} NOT NULL,
    hash ${key} NOT NULL,
    status TEXT NOT NULL,
    size BIGINT,
    registered_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    obtained_at BIGINT,
    duration_ms BIGINT,
    sha TEXT,
    dirty_hash TEXT,
    has_tag INTEGER NOT NULL DEFAULT 0,
    client_ci TEXT,
    uploader TEXT,
    hit_count BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (team_id, hash)
  )`
  // The listing's keyset order, and its filters.
  yield* sql`CREATE INDEX artifacts_by_update ON artifacts (team_id, updated_at DESC, hash)`
  yield* sql`CREATE INDEX artifacts_by_sha ON artifacts (team_id, sha)`
  yield* sql`CREATE INDEX artifacts_by_status ON artifacts (team_id, status, updated_at DESC, hash)`

  yield* sql`CREATE TABLE activity_events (
    id ${key} PRIMARY KEY,
    team_id ${key} NOT NULL,
    event_type TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    data TEXT NOT NULL
  )`
  yield* sql`CREATE INDEX activity_events_by_time ON activity_events (team_id, created_at DESC, id DESC)`
  yield* sql`CREATE INDEX activity_events_by_type ON activity_events (team_id, event_type, created_at DESC, id DESC)`

  yield* sql`CREATE TABLE hourly_rollups (
    team_id ${key} NOT NULL,
    hour BIGINT NOT NULL,
    hits_local BIGINT NOT NULL DEFAULT 0,
    hits_remote BIGINT NOT NULL DEFAULT 0,
    misses_local BIGINT NOT NULL DEFAULT 0,
    misses_remote BIGINT NOT NULL DEFAULT 0,
    time_saved_ms BIGINT NOT NULL DEFAULT 0,
    uploads BIGINT NOT NULL DEFAULT 0,
    bytes_uploaded BIGINT NOT NULL DEFAULT 0,
    downloads BIGINT NOT NULL DEFAULT 0,
    bytes_downloaded BIGINT NOT NULL DEFAULT 0,
    rejected BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (team_id, hour)
  )`

  // One row per team that ever had a record: bytes and count of its `success` records.
  yield* sql`CREATE TABLE team_usage (
    team_id ${key} PRIMARY KEY,
    bytes BIGINT NOT NULL DEFAULT 0,
    count BIGINT NOT NULL DEFAULT 0
  )`

  yield* sql`CREATE TABLE index_meta (
    key ${key} PRIMARY KEY,
    value TEXT NOT NULL
  )`
})

/**
 * Retention: the last use of each record (for the least-recently-used order),
 * what eviction removed per team, and leases (one evictor among the replicas).
 */
const retention = Effect.gen(function*() {
  const sql = yield* SqlClient
  const key = keyType(sql)

  // `lastUsedAt` of the record: max(updated_at, obtained_at), written with every
  // record. SQLite adds a NOT NULL column only with a default; PostgreSQL drops
  // it after the backfill, so a row written without the column fails there.
  yield* sql`ALTER TABLE artifacts ADD COLUMN last_used_at BIGINT NOT NULL DEFAULT 0`
  yield* sql`UPDATE artifacts SET last_used_at =
    CASE WHEN obtained_at IS NOT NULL AND obtained_at > updated_at THEN obtained_at ELSE updated_at END`
  yield* sql.onDialectOrElse({
    pg: () => sql`ALTER TABLE artifacts ALTER COLUMN last_used_at DROP DEFAULT`,
    orElse: () => Effect.void
  })
  // The evictor's order, over the whole cache and per team. Partial: only
  // `success` records can be evicted, and a query must say `status = 'success'`
  // literally for either planner to use them. A purge by sha uses artifacts_by_sha.
  yield* sql`CREATE INDEX artifacts_lru ON artifacts (last_used_at, team_id, hash) WHERE status = 'success'`
  yield* sql`CREATE INDEX artifacts_team_lru ON artifacts (team_id, last_used_at, hash) WHERE status = 'success'`

  yield* sql`ALTER TABLE team_usage ADD COLUMN evicted_count BIGINT NOT NULL DEFAULT 0`
  yield* sql`ALTER TABLE team_usage ADD COLUMN evicted_bytes BIGINT NOT NULL DEFAULT 0`

  // Rollup retention deletes the oldest hours of every team: a range of this index.
  yield* sql`CREATE INDEX hourly_rollups_by_hour ON hourly_rollups (hour)`

  yield* sql`CREATE TABLE leases (
    name ${key} PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at BIGINT NOT NULL
  )`
})

/**
 * Activity retention of the records that hold no artifact (`missing`,
 * `failed`, unfinished `registered`): their oldest first, across the teams. A
 * query must say `status <> 'success'` literally for either planner to use it.
 */
const unstoredRecords = Effect.gen(function*() {
  const sql = yield* SqlClient
  yield* sql`CREATE INDEX artifacts_unstored ON artifacts (updated_at) WHERE status <> 'success'`
})

/**
 * The last removal of each artifact, for an hour (`SqlCacheIndex`): a
 * reconciliation page listed before a removal and applied after it must not
 * bring the removed record back.
 */
const removals = Effect.gen(function*() {
  const sql = yield* SqlClient
  const key = keyType(sql)
  yield* sql`CREATE TABLE artifact_removals (
    team_id ${key} NOT NULL,
    hash ${key} NOT NULL,
    removed_at BIGINT NOT NULL,
    PRIMARY KEY (team_id, hash)
  )`
  yield* sql`CREATE INDEX artifact_removals_by_time ON artifact_removals (removed_at)`
})

/** Every migration, in order. */
export const migrations = {
  "1_initial": initial,
  "2_retention": retention,
  "3_unstored_records": unstoredRecords,
  "4_artifact_removals": removals
}

const run = Migrator.make({})

/** Applies the pending migrations of `record` (all by default). */
export const migrateWith = (record: Record<string, Effect.Effect<void, unknown, SqlClient>>) =>
  run({ loader: Migrator.fromRecord(record), table: migrationsTable })

/** Applies the pending migrations (PostgreSQL replicas starting together take turns: the migrator locks its table). */
export const migrate = migrateWith(migrations)
