/**
 * The cache index: what Hoard knows about artifacts and their history, kept in
 * a database so every management read costs one page, never a scan of storage
 * or of all events. Storage stays the truth for bytes; the index is the truth
 * for history (records, events, rollups, usage).
 *
 * Writes reach the index only through `write`, in batches, from one
 * background writer per replica (`IndexWriter`); request handlers never wait
 * on it. Several replicas may write to one index at once (PostgreSQL).
 *
 * Invariants every implementation keeps (checked by `@hoard/index-testkit`):
 *
 * **Batches.** `write(batch)` applies the whole batch in one transaction, in
 * array order: all of it or none of it. Applying an `Event` whose `id` is
 * already stored changes nothing (a batch retried after a lost commit
 * acknowledgement is not counted twice).
 *
 * **Events** (`IndexWrite.Event`). With `store: true` the event is appended to
 * the activity record (never updated afterwards). Whether stored or not it is
 * counted in the hourly rollup of its team (`team_id` absent: the team `""`),
 * in the hour `floor(created_at / 1h)`:
 * - `usage.hit` → `hits.local`/`hits.remote` by `data.source` (no source: not
 *   counted); a remote hit adds `data.duration_ms` to `time_saved_ms`;
 * - `usage.miss` → `misses.local`/`misses.remote`;
 * - `artifact.uploaded` → `uploads` + 1, `bytes_uploaded` + `data.size`;
 * - `artifact.downloaded` → `downloads` + 1, `bytes_downloaded` + `data.size`;
 * - `auth.rejected` → `rejected` + 1.
 * So the rollups of stored events always equal a recount of those events.
 *
 * **Artifact records**, one per (team, hash), changed by `artifact.*` events
 * that have a `team_id` and a `data.hash` (time `t` = `created_at`). A state
 * change applies only when `t >= updated_at` of the record (an older event
 * from a slower replica never undoes a newer one):
 * - `upload_started`: absent → `registered` (`registered_at` = `updated_at` = t,
 *   `size` = the announced size, sha, duration...); `success` → unchanged (the
 *   old bytes are still served); otherwise → `registered`, `updated_at` = t.
 * - `uploaded`: → `success` with the event's size, sha, dirty hash, tag flag,
 *   client CI, uploader (token name) and duration, `updated_at` = t
 *   (`registered_at` = t when absent).
 * - `upload_failed`: absent → `failed`; `success` → unchanged; otherwise → `failed`.
 * - `downloaded`: (even when older than `updated_at`) `hit_count` + 1 and
 *   `obtained_at` = max(`obtained_at`, t); absent → nothing.
 * - `missed`: absent → `missing`; `success` → `missing` (storage lost it);
 *   otherwise unchanged.
 * - `deleted`: the record is removed.
 * A `registered` record whose `updated_at` is more than {@link staleUploadMs}
 * before the read's `now` reads as `failed` (its replica died mid-upload).
 *
 * **Reconciliation** (`IndexWrite.Stored`, `IndexWrite.Gone`), from walking
 * the storage listing: `Stored` makes the record `success` with the stored
 * size and metadata (`updated_at` = `registered_at` = the stored `createdAt`
 * when absent) unless it is already `success` with that size and a newer
 * `updated_at`, or the object was created at or before the artifact's last
 * removal (`Removed`, `artifact.deleted`) the index remembers (an index keeps
 * them for an hour at least): a page listed before the delete and applied
 * after it does not bring the removed artifact back. `Gone` makes a
 * `success` record `missing` when its `updated_at` is before `at` (the time
 * the walk started).
 *
 * **Removal** (`IndexWrite.Removed`, from the evictor and purges, after the
 * object was deleted from storage at `at`): removes the record when its last
 * use (`lastUsedAt`) is at or before `at`, so an artifact written again after
 * the delete keeps its new record. An `evicted` or `expired` removal of a
 * `success` record adds one and its size to the team's evicted count and bytes.
 *
 * **Last use** of a record, `lastUsedAt`, is the later of `updatedAt` and
 * `obtainedAt`: its last write or read. Eviction goes least recently used first.
 *
 * **Usage** per team (bytes and count of `success` records) is maintained by
 * every write above, so it always equals a recount of the records.
 *
 * **Reads** are keyset-paginated: a page never repeats or skips a row that
 * existed before the first page was read, however many writes happen between
 * pages. Cursors are opaque; one from elsewhere fails with `InvalidCursor`.
 */
import { Context, Data, Schema } from "effect"
import type { Effect, Option } from "effect"
import type { ActivityEvent, ActivityEventType, StoredActivityEvent } from "../activity/ActivityEvent.ts"
import type { ArtifactInfo } from "../domain/ArtifactMetadata.ts"

/** The index could not be reached or refused the operation. */
export class IndexError extends Schema.TaggedError<IndexError>()("IndexError", {
  operation: Schema.String,
  message: Schema.String,
  cause: Schema.optional(Schema.Defect())
}) {}

/** A `cursor` that this index did not hand out. */
export class InvalidCursor extends Data.TaggedError("InvalidCursor")<{ readonly message: string }> {}

/** An upload started this long ago without an end is `failed`: the replica serving it died. */
export const staleUploadMs = 60 * 60 * 1000

/** One rollup bucket: an hour, ms since the epoch, a multiple of 3 600 000. */
export const rollupHourMs = 60 * 60 * 1000

export type ArtifactStatus = "registered" | "success" | "failed" | "missing"

/** What the index knows of one artifact of one team. Times in ms since the epoch. */
export interface IndexedArtifact {
  readonly teamId: string
  readonly hash: string
  readonly status: ArtifactStatus
  /** Stored size, else the size the last upload announced; `null` when unknown. */
  readonly size: number | null
  readonly registeredAt: number
  readonly updatedAt: number
  /** Last download. */
  readonly obtainedAt: number | null
  /** Task duration the uploader reported (`x-artifact-duration`). */
  readonly durationMs: number | null
  /** `x-artifact-sha`: the git commit. */
  readonly sha: string | null
  readonly dirtyHash: string | null
  /** Whether the upload carried an `x-artifact-tag` (a signature). */
  readonly hasTag: boolean
  readonly clientCi: string | null
  /** The name of the token that uploaded it. */
  readonly uploader: string | null
  /** Downloads served. */
  readonly hitCount: number
}

/** The last use of a record: its last write (`updatedAt`) or read (`obtainedAt`), whichever is later. */
export const lastUsedAt = (record: Pick<IndexedArtifact, "updatedAt" | "obtainedAt">): number =>
  record.obtainedAt === null ? record.updatedAt : Math.max(record.updatedAt, record.obtainedAt)

/** One write to the index; a batch of them is applied in one transaction. */
export type IndexWrite = IndexWrite.Event | IndexWrite.Stored | IndexWrite.Gone | IndexWrite.Removed

export declare namespace IndexWrite {
  /** An activity event: stored (when `store`), counted in the rollups, and applied to the artifact record. */
  export interface Event {
    readonly _tag: "Event"
    readonly event: StoredActivityEvent
    /** `false`: counted in the rollups only (e.g. a 401, so a client without a token cannot grow the record). */
    readonly store: boolean
  }
  /** Reconciliation: storage holds this artifact. */
  export interface Stored {
    readonly _tag: "Stored"
    readonly teamId: string
    readonly hash: string
    readonly info: ArtifactInfo
  }
  /** Reconciliation: storage does not hold this artifact (any more), as of `at`. */
  export interface Gone {
    readonly _tag: "Gone"
    readonly teamId: string
    readonly hash: string
    readonly at: number
  }
  /** Retention: the artifact was deleted from storage at `at` (ms since the epoch). */
  export interface Removed {
    readonly _tag: "Removed"
    readonly teamId: string
    readonly hash: string
    readonly at: number
    /** `evicted` (over a size budget) and `expired` (past the TTL) count in the team's evicted figures; `purged` does not. */
    readonly reason: "evicted" | "expired" | "purged"
  }
}

export interface ArtifactQuery {
  readonly teamId: string
  readonly status?: ArtifactStatus
  readonly sha?: string
  /** Inclusive lower bound on `updatedAt`. */
  readonly from?: number
  /** Exclusive upper bound on `updatedAt`. */
  readonly to?: number
  readonly cursor?: string
  readonly limit: number
  /** The reader's clock, for stale `registered` records. */
  readonly now: number
}

export interface ArtifactPage {
  /** Most recently updated first, then by hash. */
  readonly artifacts: ReadonlyArray<IndexedArtifact>
  readonly nextCursor?: string
}

export interface EventQuery {
  readonly teamId: string
  readonly types?: ReadonlyArray<ActivityEventType>
  /** Inclusive lower bound on `created_at`. */
  readonly from?: number
  /** Exclusive upper bound on `created_at`. */
  readonly to?: number
  readonly cursor?: string
  readonly limit: number
}

export interface EventPage {
  /** Newest first (`created_at`, then `id`, descending). */
  readonly events: ReadonlyArray<ActivityEvent>
  readonly nextCursor?: string
}

/** Sums of the hourly rollups of a team over a window. */
export interface RollupTotals {
  readonly hits: { readonly local: number; readonly remote: number }
  readonly misses: { readonly local: number; readonly remote: number }
  readonly time_saved_ms: number
  readonly uploads: number
  readonly bytes_uploaded: number
  readonly downloads: number
  readonly bytes_downloaded: number
  /** Requests refused with 401 or 403. */
  readonly rejected: number
}

/** Rollups with nothing counted. */
export const emptyRollupTotals: RollupTotals = {
  hits: { local: 0, remote: 0 },
  misses: { local: 0, remote: 0 },
  time_saved_ms: 0,
  uploads: 0,
  bytes_uploaded: 0,
  downloads: 0,
  bytes_downloaded: 0,
  rejected: 0
}

/** The rollup totals of the bucket starting at `start` (epoch ms). */
export interface RollupBucket extends RollupTotals {
  readonly start: number
}

export interface Usage {
  readonly bytes: number
  readonly count: number
}

/** A `success` record the evictor may remove, least recently used first. */
export interface EvictionCandidate {
  readonly teamId: string
  readonly hash: string
  readonly size: number
  readonly lastUsedAt: number
}

export interface CandidateQuery {
  /** Only this team's records; absent: every team's. */
  readonly teamId?: string
  /** Only records last used before this time (exclusive); for the TTL. */
  readonly usedBefore?: number
  /** Only records of this commit (`x-artifact-sha`); for a purge. */
  readonly sha?: string
  readonly limit: number
}

/** What a team (or the whole cache) stores, and what retention removed from it. */
export interface RetentionStats extends Usage {
  /** Artifacts removed by eviction or the TTL since the index began, and their bytes. */
  readonly evictedCount: number
  readonly evictedBytes: number
  /** The last use of the least recently used `success` record; `null` when none. */
  readonly oldestUsedAt: number | null
}

export interface CacheIndexShape {
  /** Applies a batch of writes in one transaction (see the invariants above). */
  readonly write: (batch: ReadonlyArray<IndexWrite>) => Effect.Effect<void, IndexError>
  readonly listArtifacts: (query: ArtifactQuery) => Effect.Effect<ArtifactPage, IndexError | InvalidCursor>
  /** `now` as in `ArtifactQuery`. */
  readonly getArtifact: (
    teamId: string,
    hash: string,
    now: number
  ) => Effect.Effect<Option.Option<IndexedArtifact>, IndexError>
  readonly listEvents: (query: EventQuery) => Effect.Effect<EventPage, IndexError | InvalidCursor>
  readonly getEvent: (teamId: string, id: string) => Effect.Effect<Option.Option<ActivityEvent>, IndexError>
  /** The rollups of the hours starting in `[floor(from to the hour), to)`. */
  readonly analytics: (teamId: string, from: number, to: number) => Effect.Effect<RollupTotals, IndexError>
  /**
   * The same hours summed per bucket of `bucketMs` (a whole number of hours),
   * the first starting at `floor(from to the hour)`: one grouped range scan.
   * Buckets without rollups are left out.
   */
  readonly analyticsBuckets: (
    teamId: string,
    from: number,
    to: number,
    bucketMs: number
  ) => Effect.Effect<ReadonlyArray<RollupBucket>, IndexError>
  /** Bytes and count of the team's `success` records: one row. */
  readonly usage: (teamId: string) => Effect.Effect<Usage, IndexError>
  /** Every team that has records (for reconciliation when teams are not configured). */
  readonly teams: Effect.Effect<ReadonlyArray<string>, IndexError>
  /**
   * The hashes of the team's `success` records in ascending order, from after
   * `after`, at most `limit`: reconciliation pages through them.
   */
  readonly successHashes: (
    teamId: string,
    after: string | undefined,
    limit: number
  ) => Effect.Effect<ReadonlyArray<string>, IndexError>
  /**
   * `success` records by last use, oldest first (then by team and hash), at
   * most `limit`: the evictor's and the purge's next page. One index range scan.
   */
  readonly evictionCandidates: (query: CandidateQuery) => Effect.Effect<ReadonlyArray<EvictionCandidate>, IndexError>
  /** A team's stats, or (`undefined`) the whole cache's: one row or a sum over the teams' rows. */
  readonly retentionStats: (teamId: string | undefined) => Effect.Effect<RetentionStats, IndexError>
  /**
   * Activity retention: deletes at most `limit` stored events created before
   * `before`, oldest first, and answers how many it deleted. Rollups stay.
   */
  readonly deleteEventsBefore: (before: number, limit: number) => Effect.Effect<number, IndexError>
  /** Deletes the hourly rollups of hours before `before`; answers how many. */
  readonly deleteRollupsBefore: (before: number) => Effect.Effect<number, IndexError>
  /**
   * Activity retention of the records that hold no artifact: deletes at most
   * `limit` records that are not `success` (`missing`, `failed`, or
   * `registered` by an upload that never finished) and were last updated
   * before `before`, and answers how many it deleted. Every miss of a new
   * hash leaves a `missing` record: without this they would pile up forever.
   * Usage is unchanged (it counts `success` records only).
   */
  readonly deleteUnstoredBefore: (before: number, limit: number) => Effect.Effect<number, IndexError>
  /**
   * Takes or renews the lease `name` for `holder` until `now + ttlMs`, when it
   * is free, expired or already `holder`'s; answers whether `holder` holds it.
   * One replica at a time runs the evictor this way.
   */
  readonly tryLease: (name: string, holder: string, ttlMs: number, now: number) => Effect.Effect<boolean, IndexError>
  /** A small key-value store for the index's own bookkeeping (e.g. a one-time import done). */
  readonly getMeta: (key: string) => Effect.Effect<Option.Option<string>, IndexError>
  readonly setMeta: (key: string, value: string) => Effect.Effect<void, IndexError>
  /** A cheap readiness probe. */
  readonly check: Effect.Effect<void, IndexError>
}

export class CacheIndex extends Context.Service<CacheIndex, CacheIndexShape>()("@hoard/core/CacheIndex") {}

/**
 * Whether a `write` may let other work run between its statements. The index
 * writer sets it for a batch when it is keeping up (the batch's writes waited
 * well under a second): an index whose statements run on the calling thread (SQLite)
 * then yields between them, so a batch does not hold up requests for its
 * whole length. A writer that is behind runs its batches to their end, or
 * the requests it lets in would keep it behind.
 */
export const WriteMayYield = Context.Reference<boolean>("@hoard/core/WriteMayYield", { defaultValue: () => false })
