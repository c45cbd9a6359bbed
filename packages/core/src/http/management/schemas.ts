import { Effect, Schema, SchemaGetter, SchemaIssue } from "effect"
import { ActivityEvent, ActivityEventType } from "../../activity/ActivityEvent.ts"
import { ArtifactHash } from "../../domain/ArtifactHash.ts"

/**
 * The schemas of the management API's parameters and answers. The HttpApi
 * (and so `/openapi.json`) is built from these very values, and the handlers
 * decode and encode with them.
 */

// ---------------------------------------------------------------------------
// Parameters. Query and path values are strings on the wire: each schema here
// decodes from a string, so the OpenAPI document shows what a client sends.
// ---------------------------------------------------------------------------

/** `:team`: a team id (`team_...`) or slug. */
export const TeamRef = Schema.String.check(
  Schema.isPattern(/^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/u, { message: "a team id or slug is 1 to 128 letters, digits, '_', '-' or '.'" })
).annotate({ description: "A team id (`team_...`) or slug" })

/** Parses ISO 8601 or milliseconds since the epoch. */
export const parseTimestamp = (input: string): number | undefined => {
  if (/^[0-9]{1,15}$/u.test(input)) return Number(input)
  // Only date-shaped strings: Date.parse accepts much more (e.g. "1").
  if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}/u.test(input)) return undefined
  const ms = Date.parse(input)
  return Number.isNaN(ms) ? undefined : ms
}

/** A point in time in a query: ISO 8601 (`2026-01-31`, `2026-01-31T12:00:00Z`) or ms since the epoch. */
export const Timestamp = Schema.String.annotate({
  description: "ISO 8601 (e.g. `2026-01-31T12:00:00Z`) or milliseconds since the epoch"
}).pipe(Schema.decodeTo(Schema.Finite, {
  decode: SchemaGetter.transformEffect((input: string) => {
    const ms = parseTimestamp(input)
    return ms === undefined
      ? Effect.fail(new SchemaIssue.InvalidValue({
        message: `"${input.slice(0, 64)}" is not an ISO 8601 date or milliseconds since the epoch`
      }, input))
      : Effect.succeed(ms)
  }),
  encode: SchemaGetter.transform((ms: number) => new Date(ms).toISOString())
}))

/** A page size: an integer from 1 to `max`. */
const pageSize = (max: number, fallback: number) =>
  Schema.String.annotate({ description: `Page size, 1 to ${max} (default ${fallback})` }).pipe(
    Schema.decodeTo(
      Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: max }, { message: `limit is 1 to ${max}` })),
      { decode: SchemaGetter.Number(), encode: SchemaGetter.String() }
    )
  )

export const defaultEventsLimit = 50
export const maxEventsLimit = 500
export const defaultArtifactsLimit = 100
export const maxArtifactsLimit = 1000

/** An opaque cursor from a previous page's `next_cursor`. */
export const Cursor = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(1024)).annotate({
  description: "`next_cursor` of the previous page"
})

/** `type=usage.hit,artifact.uploaded`: event types, comma-separated. */
export const EventTypes = Schema.String.annotate({
  description: `Event types, comma-separated: ${ActivityEventType.literals.join(", ")}`
}).pipe(Schema.decodeTo(Schema.Array(ActivityEventType), {
  // The split strings are then checked by Schema.Array(ActivityEventType).
  decode: SchemaGetter.transform((input: string) => input.split(",").map((type) => type.trim()) as Array<ActivityEventType>),
  encode: SchemaGetter.transform((types: ReadonlyArray<string>) => types.join(","))
}))

/** An artifact's state, as the cache index records it. */
export const ArtifactStatus = Schema.Literals(["registered", "success", "failed", "missing"]).annotate({
  description: "registered: an upload is in flight; success: stored; failed: the last upload failed; missing: requested but never stored"
})
export type ArtifactStatus = typeof ArtifactStatus.Type

export const TeamPath = { team: TeamRef }
export const EventPath = { team: TeamRef, id: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(256)) }
export const ArtifactPath = { team: TeamRef, hash: ArtifactHash }
/** A signed link: `/api/v1/downloads/:team/:hash?expires=&signature=`, all as `download_url` gives them. */
export const DownloadPath = {
  team: TeamRef.annotate({ description: "The team id the link was signed for" }),
  hash: ArtifactHash
}
export const DownloadQuery = {
  expires: Schema.String.check(Schema.isMaxLength(32)).annotate({ description: "When the link expires, ms since the epoch (signed)" }),
  signature: Schema.String.check(Schema.isMaxLength(128)).annotate({ description: "HMAC-SHA256 of the team, hash and expiry, base64url" })
}

export const EventsQuery = {
  type: Schema.optionalKey(EventTypes),
  from: Schema.optionalKey(Timestamp),
  to: Schema.optionalKey(Timestamp),
  cursor: Schema.optionalKey(Cursor),
  limit: Schema.optionalKey(pageSize(maxEventsLimit, defaultEventsLimit))
}

/** The bucket sizes analytics can be split into. */
export const bucketMs = { hour: 3_600_000, day: 86_400_000, week: 604_800_000 } as const
export type AnalyticsBucket = keyof typeof bucketMs

/** At most this many buckets in one answer. */
export const maxAnalyticsBuckets = 1000

export const AnalyticsQuery = {
  from: Schema.optionalKey(Timestamp),
  to: Schema.optionalKey(Timestamp),
  bucket: Schema.optionalKey(Schema.Literals(["hour", "day", "week"]).annotate({
    description: `Also split the window into buckets of this size, the first starting at \`from\` (rounded down to the hour); at most ${maxAnalyticsBuckets}`
  }))
}

export const ArtifactsQuery = {
  sha: Schema.optionalKey(Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(256)).annotate({
    description: "Only artifacts built from this git commit (`x-artifact-sha`)"
  })),
  status: Schema.optionalKey(ArtifactStatus),
  from: Schema.optionalKey(Timestamp),
  to: Schema.optionalKey(Timestamp),
  cursor: Schema.optionalKey(Cursor),
  limit: Schema.optionalKey(pageSize(maxArtifactsLimit, defaultArtifactsLimit))
}

// ---------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------

const NextCursor = Schema.NullOr(Schema.String).annotate({ description: "Pass as `cursor` for the next page; null on the last" })

export const EventsPage = Schema.Struct({
  /** Newest first. */
  events: Schema.Array(ActivityEvent),
  next_cursor: NextCursor
}).annotate({ identifier: "EventsPage" })
export type EventsPage = typeof EventsPage.Type

const Count = Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
const Rate = Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 }))
const BySource = <S extends Schema.Top>(schema: S) => Schema.Struct({ local: schema, remote: schema })

/** Cache effectiveness and traffic over a window, from the hourly rollups. */
export const ActivitySummary = Schema.Struct({
  /** turbo's reported cache hits (`usage.hit`), by where the hit came from. */
  hits: BySource(Count),
  misses: BySource(Count),
  /** hits / (hits + misses); null when there were neither. */
  hit_rate: BySource(Schema.NullOr(Rate)),
  /** The summed task durations of the remote hits: task time the remote cache saved. */
  time_saved_ms: Schema.Finite.check(Schema.isGreaterThanOrEqualTo(0)),
  uploads: Count,
  downloads: Count,
  bytes_uploaded: Count,
  bytes_downloaded: Count,
  /** Requests refused with 401 or 403 (401s are counted, only a sample is kept as events). */
  rejected_requests: Count
})

/** One bucket of a window: the same figures over the hours starting in it. */
export const AnalyticsBucketSummary = Schema.Struct({
  /** Where the bucket starts, ISO 8601. */
  start: Schema.String,
  ...ActivitySummary.fields
}).annotate({ identifier: "AnalyticsBucket" })

export const Analytics = Schema.Struct({
  team_id: Schema.String,
  /** The window, ISO 8601: `from` rounded down to the hour (analytics count whole hours). */
  from: Schema.String,
  to: Schema.String,
  ...ActivitySummary.fields,
  /** What the team stores now. */
  artifact_count: Count,
  storage_bytes: Count,
  /** With `bucket`: every bucket of the window in order, empty ones included. */
  buckets: Schema.optionalKey(Schema.Array(AnalyticsBucketSummary))
}).annotate({ identifier: "Analytics" })
export type Analytics = typeof Analytics.Type


export const ArtifactRecord = Schema.Struct({
  hash: Schema.String,
  /** Bytes; null when nothing is stored. */
  size: Schema.NullOr(Count),
  status: ArtifactStatus,
  /** The git commit the artifact was built from (`x-artifact-sha`). */
  sha: Schema.NullOr(Schema.String),
  /** The uploader's `x-artifact-dirty-hash`. */
  dirty_hash: Schema.NullOr(Schema.String),
  /** The task's run time the uploader reported (`x-artifact-duration`): what a hit saves. */
  duration_ms: Schema.NullOr(Count),
  /** Whether the upload was signed (`x-artifact-tag`). */
  has_tag: Schema.Boolean,
  /** The CI the uploader ran in (`x-artifact-client-ci`). */
  client_ci: Schema.NullOr(Schema.String),
  /** The name of the token that uploaded it (never the token). */
  uploaded_by: Schema.NullOr(Schema.String),
  /** Downloads served. */
  hit_count: Count,
  /** ISO 8601. */
  dates: Schema.Struct({
    /** When Hoard first saw it (upload started, stored, or missed). */
    registered_at: Schema.String,
    /** Its latest change: stored, upload event or miss. The listing is sorted and filtered by it. */
    updated_at: Schema.String,
    /** The last download; null when never downloaded. */
    obtained_at: Schema.NullOr(Schema.String)
  }),
  /** A signed link that downloads the artifact without a token until it expires; null unless `success`. */
  download_url: Schema.NullOr(Schema.String)
}).annotate({ identifier: "ArtifactRecord" })
export type ArtifactRecord = typeof ArtifactRecord.Type

export const ArtifactsPage = Schema.Struct({
  artifacts: Schema.Array(ArtifactRecord),
  next_cursor: NextCursor
}).annotate({ identifier: "ArtifactsPage" })
export type ArtifactsPage = typeof ArtifactsPage.Type

/** What a team, or the whole cache, stores against its budget, and what retention removed. */
const StoredAgainstBudget = Schema.Struct({
  storage_bytes: Count,
  artifact_count: Count,
  /** The size budget in bytes; null when there is none. */
  max_size_bytes: Schema.NullOr(Count),
  /** Artifacts removed by eviction or the TTL, and their bytes, since the index began. */
  evicted: Schema.Struct({ count: Count, bytes: Count }),
  /** The last use (read or write) of the least recently used stored artifact, ISO 8601; null when none. */
  oldest_used_at: Schema.NullOr(Schema.String),
  /** Its age in seconds; null when none. */
  oldest_age_seconds: Schema.NullOr(Count)
})

export const RetentionReport = Schema.Struct({
  team_id: Schema.String,
  ...StoredAgainstBudget.fields,
  /** The team's hard storage quota (uploads past it get 403 `over_limit`); null when it has none. */
  quota_bytes: Schema.NullOr(Count),
  /** The TTL since last use, in seconds; null when there is none. */
  ttl_seconds: Schema.NullOr(Count),
  /** The same figures for the whole cache, every team's. */
  cache: StoredAgainstBudget
}).annotate({ identifier: "RetentionReport" })
export type RetentionReport = typeof RetentionReport.Type

/** What to purge: the artifacts of one commit, or all of the team's. */
export const PurgeRequest = Schema.Union([
  Schema.Struct({
    sha: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(256)).annotate({
      description: "Every artifact built from this git commit (`x-artifact-sha`)"
    })
  }),
  Schema.Struct({ all: Schema.Literal(true).annotate({ description: "Every artifact of the team" }) })
]).annotate({ identifier: "PurgeRequest" })
export type PurgeRequest = typeof PurgeRequest.Type

export const PurgePath = { team: TeamRef, id: Schema.String.check(Schema.isPattern(/^[0-9a-f]{24}$/u, { message: "a purge id is 24 hex digits" })) }
