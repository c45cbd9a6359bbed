/**
 * The artifact record state machine of `CacheIndex.ts`, as pure functions:
 * the index loads the records a batch touches, folds the batch over them here
 * and writes back what changed. `undefined` is an absent record.
 */
import { lastUsedAt } from "@hoard/core"
import type { ActivityEventData, IndexedArtifact, IndexWrite, StoredActivityEvent } from "@hoard/core"

export type ArtifactRecord = IndexedArtifact | undefined

/** `team_id` and `hash` of an `artifact.*` event that changes a record, else `undefined`. */
export const recordKeyOf = (
  event: StoredActivityEvent
): { readonly teamId: string; readonly hash: string } | undefined =>
  event.team_id !== undefined && event.data.hash !== undefined && event.event_type.startsWith("artifact.")
    ? { teamId: event.team_id, hash: event.data.hash }
    : undefined

/** What an upload event says about the artifact. */
const described = (data: ActivityEventData) => ({
  size: data.size ?? null,
  durationMs: data.duration_ms ?? null,
  sha: data.sha ?? null,
  dirtyHash: data.dirty_hash ?? null,
  hasTag: data.has_tag ?? false,
  clientCi: data.client_ci ?? null,
  uploader: data.token_name ?? null
})

const created = (
  teamId: string,
  hash: string,
  status: IndexedArtifact["status"],
  t: number,
  data: ActivityEventData
): IndexedArtifact => ({
  teamId,
  hash,
  status,
  registeredAt: t,
  updatedAt: t,
  obtainedAt: null,
  hitCount: 0,
  ...described(data)
})

export const applyEvent = (record: ArtifactRecord, event: StoredActivityEvent): ArtifactRecord => {
  const key = recordKeyOf(event)
  if (key === undefined) return record
  const t = event.created_at
  const data = event.data
  // A download is counted whatever its time; it changes no state.
  if (event.event_type === "artifact.downloaded") {
    return record === undefined ? undefined : {
      ...record,
      hitCount: record.hitCount + 1,
      obtainedAt: record.obtainedAt === null ? t : Math.max(record.obtainedAt, t)
    }
  }
  // An event older than the record (from a slower replica) never undoes a newer one.
  if (record !== undefined && t < record.updatedAt) return record
  switch (event.event_type) {
    case "artifact.upload_started": {
      if (record === undefined) return created(key.teamId, key.hash, "registered", t, data)
      if (record.status === "success") return record // the old bytes are still served
      const next = described(data)
      return {
        ...record,
        status: "registered",
        updatedAt: t,
        size: next.size ?? record.size,
        durationMs: next.durationMs ?? record.durationMs,
        sha: next.sha ?? record.sha,
        dirtyHash: next.dirtyHash ?? record.dirtyHash,
        hasTag: data.has_tag ?? record.hasTag,
        clientCi: next.clientCi ?? record.clientCi,
        uploader: next.uploader ?? record.uploader
      }
    }
    case "artifact.uploaded": {
      if (record === undefined) return created(key.teamId, key.hash, "success", t, data)
      const next = described(data)
      return { ...record, ...next, status: "success", updatedAt: t, size: next.size ?? record.size }
    }
    case "artifact.upload_failed":
      if (record === undefined) return created(key.teamId, key.hash, "failed", t, data)
      return record.status === "success" ? record : { ...record, status: "failed", updatedAt: t }
    case "artifact.missed":
      if (record === undefined) return created(key.teamId, key.hash, "missing", t, data)
      return record.status === "success" ? { ...record, status: "missing", updatedAt: t } : record
    case "artifact.deleted":
      return undefined
    default:
      return record
  }
}

/**
 * Reconciliation: storage holds the artifact. `removedAt` is the artifact's
 * last removal (eviction, purge, delete) the index remembers: an object
 * created at or before it is the removed one, listed before its delete and
 * applied after it, and changes nothing.
 */
export const applyStored = (record: ArtifactRecord, write: IndexWrite.Stored, removedAt: number | undefined): ArtifactRecord => {
  const { createdAt, metadata, size } = write.info
  if (removedAt !== undefined && createdAt <= removedAt) return record
  if (record !== undefined && record.status === "success" && record.size === size && record.updatedAt > createdAt) {
    return record
  }
  const stored = {
    status: "success",
    size,
    durationMs: metadata.durationMs,
    sha: metadata.sha ?? null,
    dirtyHash: metadata.dirtyHash ?? null,
    hasTag: metadata.tag !== undefined,
    clientCi: metadata.clientCi ?? null
  } as const
  if (record === undefined) {
    return {
      teamId: write.teamId,
      hash: write.hash,
      registeredAt: createdAt,
      updatedAt: createdAt,
      obtainedAt: null,
      uploader: null,
      hitCount: 0,
      ...stored
    }
  }
  return { ...record, ...stored, updatedAt: Math.max(record.updatedAt, createdAt) }
}

/** Reconciliation: storage no longer holds the artifact, as of `at`. */
export const applyGone = (record: ArtifactRecord, write: IndexWrite.Gone): ArtifactRecord =>
  record !== undefined && record.status === "success" && record.updatedAt < write.at
    ? { ...record, status: "missing", updatedAt: write.at }
    : record

/**
 * Retention: the object was deleted from storage at `at`. The record goes
 * unless it was used after that (written again, or read), so an artifact
 * uploaded again after the delete keeps its new record.
 */
export const applyRemoved = (record: ArtifactRecord, write: IndexWrite.Removed): ArtifactRecord =>
  record !== undefined && lastUsedAt(record) <= write.at ? undefined : record

/**
 * Whether removing `removed` by `write` counts in the team's evicted figures:
 * a `success` record evicted or expired (a purge does not count).
 */
export const countsAsEvicted = (removed: IndexedArtifact, write: IndexWrite.Removed): boolean =>
  removed.status === "success" && write.reason !== "purged"

/** Bytes and count a record adds to its team's usage. */
export const usageOf = (record: ArtifactRecord): { readonly bytes: number; readonly count: number } =>
  record !== undefined && record.status === "success" ? { bytes: record.size ?? 0, count: 1 } : { bytes: 0, count: 0 }

const noFields: ReadonlySet<keyof IndexedArtifact> = new Set()

/** What a download changes in a record: its hit count and last download. */
const useFields: ReadonlySet<keyof IndexedArtifact> = new Set(["hitCount", "obtainedAt"])

/** Whether `a` and `b` agree in every field but the `ignored` ones. */
const sameFieldsBut = (a: IndexedArtifact, b: IndexedArtifact, ignored: ReadonlySet<keyof IndexedArtifact>): boolean => {
  for (const key of Object.keys(a) as Array<keyof IndexedArtifact>) if (!ignored.has(key) && a[key] !== b[key]) return false
  return true
}

export const sameRecord = (a: ArtifactRecord, b: ArtifactRecord): boolean => {
  if (a === b) return true
  if (a === undefined || b === undefined) return false
  return sameFieldsBut(a, b, noFields)
}

/** Whether `next` differs from `previous` in its use (hits, last download) alone. */
export const onlyUseChanged = (previous: IndexedArtifact, next: IndexedArtifact): boolean =>
  sameFieldsBut(previous, next, useFields)
