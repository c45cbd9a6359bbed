import { Schema } from "effect"

/**
 * What happened. `usage.*` come from turbo (`POST /v8/artifacts/events`, one
 * per task); the others are recorded by the server itself.
 */
export const ActivityEventType = Schema.Literals([
  "usage.hit", // turbo: a task's outputs came from a cache (data.source LOCAL or REMOTE)
  "usage.miss", // turbo: a task had to run
  "artifact.upload_started", // a PUT began: the artifact is `registered` until it ends
  "artifact.uploaded", // a PUT stored the artifact (data.size)
  "artifact.upload_failed", // a PUT ended without storing anything (data.reason)
  "artifact.downloaded", // a GET served the artifact (data.size)
  "artifact.missed", // a GET, HEAD or batch query found no artifact
  "artifact.deleted", // an admin deleted the artifact
  "purge.requested", // an admin asked to purge a commit's artifacts (data.sha) or all of the team's
  "auth.rejected" // a request was refused: bad token (401) or no permission (403)
])
export type ActivityEventType = typeof ActivityEventType.Type

/** The details of an event. Never holds a token, only its name. */
export const ActivityEventData = Schema.Struct({
  hash: Schema.optionalKey(Schema.String),
  /** `LOCAL` or `REMOTE` for `usage.*`. */
  source: Schema.optionalKey(Schema.Literals(["LOCAL", "REMOTE"])),
  /** Task duration in ms: for a hit, the time it saved. */
  duration_ms: Schema.optionalKey(Schema.Finite),
  size: Schema.optionalKey(Schema.Finite),
  session_id: Schema.optionalKey(Schema.String),
  client_ci: Schema.optionalKey(Schema.String),
  user_agent: Schema.optionalKey(Schema.String),
  token_name: Schema.optionalKey(Schema.String),
  /** The git commit (`x-artifact-sha`) an upload was built from. */
  sha: Schema.optionalKey(Schema.String),
  /** The HTTP status or failure reason, for `auth.rejected` and `artifact.upload_failed`. */
  status: Schema.optionalKey(Schema.Finite),
  reason: Schema.optionalKey(Schema.String),
  method: Schema.optionalKey(Schema.String),
  /** The request path, without the query. */
  path: Schema.optionalKey(Schema.String),
  /** The request's `x-request-id`, to find it in the server log. */
  request_id: Schema.optionalKey(Schema.String),
  /** `x-artifact-dirty-hash` of an upload. */
  dirty_hash: Schema.optionalKey(Schema.String),
  /** Whether an upload carried an `x-artifact-tag` (a signature). */
  has_tag: Schema.optionalKey(Schema.Boolean),
  /** The job of a `purge.requested`: `GET /api/v1/teams/:team/purges/:id` reads its progress. */
  purge_id: Schema.optionalKey(Schema.String),
  /** The build tool whose protocol the request spoke, when not turbo's. */
  tool: Schema.optionalKey(Schema.Literals(["nx", "gradle", "ccache", "bazel"]))
})
export type ActivityEventData = typeof ActivityEventData.Type

/** An event as stored and as the management API returns it. */
export const ActivityEvent = Schema.Struct({
  /** Unique, and orders events: a later event has a greater id on one replica. */
  id: Schema.String,
  event_type: ActivityEventType,
  /** ISO 8601. */
  created_at: Schema.String,
  /** The team (its id); absent when the request named no valid team. */
  team_id: Schema.optionalKey(Schema.String),
  data: ActivityEventData
})
export type ActivityEvent = typeof ActivityEvent.Type

/** An event as the cache index stores it: `created_at` in ms since the epoch. */
export interface StoredActivityEvent {
  readonly id: string
  readonly event_type: ActivityEventType
  readonly created_at: number
  readonly team_id?: string
  readonly data: ActivityEventData
}

/** An event to record: the log assigns `id`. `created_at` is ms since the epoch here. */
export interface NewActivityEvent {
  readonly event_type: ActivityEventType
  readonly created_at: number
  readonly team_id?: string
  readonly data: ActivityEventData
}
