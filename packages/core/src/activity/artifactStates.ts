import type { ListedArtifact } from "../storage/ArtifactStorage.ts"
import type { ActivityEvent } from "./ActivityEvent.ts"

import { staleUploadMs } from "../index/CacheIndex.ts"
import type { ArtifactStatus } from "../index/CacheIndex.ts"

/** One artifact of a team as the management API shows it. Dates are ISO 8601. */
export interface ArtifactRecord {
  readonly hash: string
  /** Bytes: stored size, else the size the last upload announced; `null` when unknown. */
  readonly size: number | null
  readonly status: ArtifactStatus
  /** The git commit the artifact was built from (`x-artifact-sha`), when known. */
  readonly sha: string | null
  readonly dates: {
    readonly registered_at: string
    readonly updated_at: string
    /** Last download. */
    readonly obtained_at: string | null
  }
}


interface Timed {
  readonly ms: number
  readonly event: ActivityEvent
}

const uploadTypes = new Set<string>(["artifact.upload_started", "artifact.uploaded", "artifact.upload_failed"])

const iso = (ms: number): string => new Date(ms).toISOString()

const chronological = (a: Timed, b: Timed): number =>
  a.ms - b.ms || (a.event.id < b.event.id ? -1 : a.event.id > b.event.id ? 1 : 0)

const lastOf = (events: ReadonlyArray<Timed>, predicate: (event: Timed) => boolean): Timed | undefined => {
  for (let i = events.length - 1; i >= 0; i--) if (predicate(events[i]!)) return events[i]
  return undefined
}

/**
 * The artifacts of one team, from what storage holds and that team's events
 * (only `artifact.*` events with a `data.hash` are used), newest `updated_at`
 * first (then by hash).
 *
 * - An artifact's current life starts after its latest `artifact.deleted` (for a
 *   stored artifact: the latest deletion at or before it was stored). A
 *   deletion with nothing after it omits the artifact.
 * - Stored → `success`: size and createdAt from storage (`updated_at`), sha from
 *   its metadata.
 * - Not stored, the latest upload event of its life decides:
 *   `artifact.upload_started` → `registered`, or `failed` when it started more
 *   than {@link staleUploadMs} before `now`; `artifact.upload_failed` → `failed`;
 *   `artifact.uploaded` → `missing` (storage no longer has it: evicted, or removed
 *   outside Hoard). No upload event but `artifact.missed` → `missing`. Anything
 *   else (e.g. only downloads) is omitted. Size and sha come from the latest
 *   upload event carrying them; `updated_at` is the life's latest event.
 * - `registered_at`: the earliest of the life's first event and the stored
 *   createdAt; `obtained_at`: the life's latest `artifact.downloaded`.
 */
export const artifactRecords = (
  stored: Iterable<ListedArtifact>,
  events: Iterable<ActivityEvent>,
  now: number
): Array<ArtifactRecord> => {
  const byHash = new Map<string, Array<Timed>>()
  for (const event of events) {
    const hash = event.data.hash
    const ms = Date.parse(event.created_at)
    if (hash === undefined || !event.event_type.startsWith("artifact.") || Number.isNaN(ms)) continue
    const list = byHash.get(hash)
    if (list === undefined) byHash.set(hash, [{ ms, event }])
    else list.push({ ms, event })
  }
  const storedByHash = new Map<string, ListedArtifact>()
  for (const artifact of stored) storedByHash.set(artifact.key.hash, artifact)

  const records: Array<ArtifactRecord> = []
  for (const hash of new Set([...storedByHash.keys(), ...byHash.keys()])) {
    const artifact = storedByHash.get(hash)
    const all = (byHash.get(hash) ?? []).sort(chronological)
    const lifeStartsBefore = artifact === undefined ? Infinity : artifact.info.createdAt
    let start = 0
    all.forEach((timed, i) => {
      if (timed.event.event_type === "artifact.deleted" && timed.ms <= lifeStartsBefore) start = i + 1
    })
    const life = all.slice(start).filter((timed) => timed.event.event_type !== "artifact.deleted")
    const download = lastOf(life, (timed) => timed.event.event_type === "artifact.downloaded")
    const obtainedAt = download === undefined ? null : iso(download.ms)
    const first = life[0]

    if (artifact !== undefined) {
      const { createdAt, metadata, size } = artifact.info
      records.push({
        hash,
        size,
        status: "success",
        sha: metadata.sha ?? null,
        dates: {
          registered_at: iso(first === undefined ? createdAt : Math.min(first.ms, createdAt)),
          updated_at: iso(createdAt),
          obtained_at: obtainedAt
        }
      })
      continue
    }

    const latest = life[life.length - 1]
    if (first === undefined || latest === undefined) continue
    const upload = lastOf(life, (timed) => uploadTypes.has(timed.event.event_type))
    let status: ArtifactStatus
    if (upload === undefined) {
      if (lastOf(life, (timed) => timed.event.event_type === "artifact.missed") === undefined) continue
      status = "missing"
    } else if (upload.event.event_type === "artifact.upload_started") {
      status = now - upload.ms > staleUploadMs ? "failed" : "registered"
    } else {
      status = upload.event.event_type === "artifact.upload_failed" ? "failed" : "missing"
    }
    const sized = lastOf(life, (timed) => uploadTypes.has(timed.event.event_type) && timed.event.data.size !== undefined)
    const shaed = lastOf(life, (timed) => uploadTypes.has(timed.event.event_type) && timed.event.data.sha !== undefined)
    records.push({
      hash,
      size: sized?.event.data.size ?? null,
      status,
      sha: shaed?.event.data.sha ?? null,
      dates: { registered_at: iso(first.ms), updated_at: iso(latest.ms), obtained_at: obtainedAt }
    })
  }
  return records.sort((a, b) =>
    a.dates.updated_at < b.dates.updated_at ? 1 : a.dates.updated_at > b.dates.updated_at ? -1 : a.hash < b.hash ? -1 : 1
  )
}
