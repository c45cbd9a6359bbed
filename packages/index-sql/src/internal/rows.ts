/**
 * Rows as the database stores them, and back. PostgreSQL returns `BIGINT` as
 * a JS `bigint` and `SUM(BIGINT)` as a numeric string; SQLite returns
 * numbers: every number read goes through `Number`.
 */
import { lastUsedAt } from "@hoard/core"
import type { ActivityEvent, ActivityEventData, IndexedArtifact, StoredActivityEvent } from "@hoard/core"

export type Row = Readonly<Record<string, unknown>>

export const integer = (value: number): number => Math.round(value)
const integerOrNull = (value: number | null): number | null => (value === null ? null : Math.round(value))
const numberOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value))
const stringOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : String(value))

export const artifactToRow = (record: IndexedArtifact) => ({
  team_id: record.teamId,
  hash: record.hash,
  status: record.status,
  size: integerOrNull(record.size),
  registered_at: integer(record.registeredAt),
  updated_at: integer(record.updatedAt),
  obtained_at: integerOrNull(record.obtainedAt),
  duration_ms: integerOrNull(record.durationMs),
  sha: record.sha,
  dirty_hash: record.dirtyHash,
  has_tag: record.hasTag ? 1 : 0,
  client_ci: record.clientCi,
  uploader: record.uploader,
  hit_count: record.hitCount,
  // Derived, stored for the evictor's index (read back from the other columns).
  last_used_at: integer(lastUsedAt(record))
})

/** The columns an upsert of a record rewrites: all but the key. */
export const artifactValueColumns = [
  "status",
  "size",
  "registered_at",
  "updated_at",
  "obtained_at",
  "duration_ms",
  "sha",
  "dirty_hash",
  "has_tag",
  "client_ci",
  "uploader",
  "hit_count",
  "last_used_at"
] as const satisfies ReadonlyArray<keyof ReturnType<typeof artifactToRow>>

/**
 * The columns a download changes (its count and last use, `onlyUseChanged`
 * in records.ts): a record that changed in nothing else is written back with
 * only these, so the database leaves the indexes over the other columns
 * alone (SQLite rewrites every index that covers a column an update sets,
 * changed or not).
 */
export const artifactUseColumns = ["obtained_at", "hit_count", "last_used_at"] as const satisfies ReadonlyArray<
  typeof artifactValueColumns[number]
>

export const artifactFromRow = (row: Row): IndexedArtifact => ({
  teamId: String(row.team_id),
  hash: String(row.hash),
  status: row.status as IndexedArtifact["status"],
  size: numberOrNull(row.size),
  registeredAt: Number(row.registered_at),
  updatedAt: Number(row.updated_at),
  obtainedAt: numberOrNull(row.obtained_at),
  durationMs: numberOrNull(row.duration_ms),
  sha: stringOrNull(row.sha),
  dirtyHash: stringOrNull(row.dirty_hash),
  hasTag: Number(row.has_tag) !== 0,
  clientCi: stringOrNull(row.client_ci),
  uploader: stringOrNull(row.uploader),
  hitCount: Number(row.hit_count)
})

/** An event without a team is stored under the team `""`, as the rollups count it. */
export const eventToRow = (event: StoredActivityEvent) => ({
  id: event.id,
  team_id: event.team_id ?? "",
  event_type: event.event_type,
  created_at: integer(event.created_at),
  data: JSON.stringify(event.data)
})

export const eventFromRow = (row: Row): ActivityEvent => {
  const teamId = String(row.team_id)
  return {
    id: String(row.id),
    event_type: row.event_type as ActivityEvent["event_type"],
    created_at: new Date(Number(row.created_at)).toISOString(),
    ...(teamId === "" ? {} : { team_id: teamId }),
    data: JSON.parse(String(row.data)) as ActivityEventData
  }
}
