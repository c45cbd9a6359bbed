/**
 * An in-memory CacheIndex that follows the port's invariants literally: the
 * suite's own check (every test passes on it). Not for production: every
 * read scans.
 */
import { CacheIndex, IndexError, InvalidCursor, lastUsedAt, rollupHourMs, staleUploadMs } from "@hoard/core"
import type {
  ActivityEvent,
  ArtifactStatus,
  CacheIndexShape,
  IndexedArtifact,
  IndexWrite,
  RollupTotals,
  StoredActivityEvent
} from "@hoard/core"
import { Effect, Layer, Option } from "effect"
import { emptyTotals } from "../src/helpers.ts"

type MutableTotals = {
  hits: { local: number; remote: number }
  misses: { local: number; remote: number }
  time_saved_ms: number
  uploads: number
  bytes_uploaded: number
  downloads: number
  bytes_downloaded: number
  rejected: number
}

type Row = { -readonly [K in keyof IndexedArtifact]: IndexedArtifact[K] }

/** The "database": share one between layers to get two indexes over the same data. */
export interface ReferenceStore {
  readonly events: Map<string, StoredActivityEvent>
  /** team → hour → totals */
  readonly rollups: Map<string, Map<number, MutableTotals>>
  /** team → hash → record */
  readonly records: Map<string, Map<string, Row>>
  readonly meta: Map<string, string>
  /** team → what eviction and the TTL removed */
  readonly evicted: Map<string, { count: number; bytes: number }>
  /** name → lease */
  readonly leases: Map<string, { holder: string; expiresAt: number }>
  /** team → hash → time of its last removal (kept for ever: the port asks for an hour at least) */
  readonly removals: Map<string, Map<string, number>>
}

export const makeStore = (): ReferenceStore => ({
  events: new Map(),
  rollups: new Map(),
  records: new Map(),
  meta: new Map(),
  evicted: new Map(),
  leases: new Map(),
  removals: new Map()
})

/** Fresh counters to add to (the suite's `emptyTotals`, copied). */
const zeroTotals = (): MutableTotals => structuredClone(emptyTotals) as MutableTotals

/** The team's rollups of the hours starting in [floor(from to the hour), to), summed per bucket of `size` ms from there. */
const sumHours = (store: ReferenceStore, teamId: string, from: number, to: number, size: number): Map<number, RollupTotals> => {
  const start = Math.floor(from / rollupHourMs) * rollupHourMs
  const sums = new Map<number, ReturnType<typeof zeroTotals>>()
  for (const [hour, totals] of store.rollups.get(teamId) ?? []) {
    if (hour < start || hour >= to) continue
    const bucket = Math.floor((hour - start) / size)
    const sum = sums.get(bucket) ?? zeroTotals()
    sums.set(bucket, sum)
    sum.hits.local += totals.hits.local
    sum.hits.remote += totals.hits.remote
    sum.misses.local += totals.misses.local
    sum.misses.remote += totals.misses.remote
    sum.time_saved_ms += totals.time_saved_ms
    sum.uploads += totals.uploads
    sum.bytes_uploaded += totals.bytes_uploaded
    sum.downloads += totals.downloads
    sum.bytes_downloaded += totals.bytes_downloaded
    sum.rejected += totals.rejected
  }
  return sums
}

const num = (value: number | undefined): number => value ?? 0

const countInRollup = (store: ReferenceStore, event: StoredActivityEvent): void => {
  const team = event.team_id ?? ""
  const hour = Math.floor(event.created_at / rollupHourMs) * rollupHourMs
  let hours = store.rollups.get(team)
  if (hours === undefined) store.rollups.set(team, hours = new Map())
  let totals = hours.get(hour)
  if (totals === undefined) hours.set(hour, totals = zeroTotals())
  const { data } = event
  switch (event.event_type) {
    case "usage.hit":
      if (data.source === "LOCAL") totals.hits.local++
      if (data.source === "REMOTE") {
        totals.hits.remote++
        totals.time_saved_ms += num(data.duration_ms)
      }
      break
    case "usage.miss":
      if (data.source === "LOCAL") totals.misses.local++
      if (data.source === "REMOTE") totals.misses.remote++
      break
    case "artifact.uploaded":
      totals.uploads++
      totals.bytes_uploaded += num(data.size)
      break
    case "artifact.downloaded":
      totals.downloads++
      totals.bytes_downloaded += num(data.size)
      break
    case "auth.rejected":
      totals.rejected++
      break
    default:
      break
  }
}

const recordsOf = (store: ReferenceStore, team: string): Map<string, Row> => {
  let records = store.records.get(team)
  if (records === undefined) store.records.set(team, records = new Map())
  return records
}

const fresh = (team: string, hash: string, t: number): Row => ({
  teamId: team,
  hash,
  status: "missing",
  size: null,
  registeredAt: t,
  updatedAt: t,
  obtainedAt: null,
  durationMs: null,
  sha: null,
  dirtyHash: null,
  hasTag: false,
  clientCi: null,
  uploader: null,
  hitCount: 0
})

const takeUpload = (row: Row, event: StoredActivityEvent): void => {
  const { data } = event
  row.size = data.size ?? null
  row.durationMs = data.duration_ms ?? null
  row.sha = data.sha ?? null
  row.dirtyHash = data.dirty_hash ?? null
  row.hasTag = data.has_tag ?? false
  row.clientCi = data.client_ci ?? null
  row.uploader = data.token_name ?? null
}

const applyToRecord = (store: ReferenceStore, event: StoredActivityEvent): void => {
  const team = event.team_id
  const hash = event.data.hash
  if (team === undefined || hash === undefined || !event.event_type.startsWith("artifact.")) return
  const records = recordsOf(store, team)
  const row = records.get(hash)
  const t = event.created_at
  if (event.event_type === "artifact.downloaded") {
    if (row === undefined) return
    row.hitCount++
    row.obtainedAt = row.obtainedAt === null ? t : Math.max(row.obtainedAt, t)
    return
  }
  if (row !== undefined && t < row.updatedAt) return
  switch (event.event_type) {
    case "artifact.upload_started": {
      if (row?.status === "success") return
      const next = row ?? fresh(team, hash, t)
      takeUpload(next, event)
      next.status = "registered"
      next.updatedAt = t
      records.set(hash, next)
      return
    }
    case "artifact.uploaded": {
      const next = row ?? fresh(team, hash, t)
      takeUpload(next, event)
      next.status = "success"
      next.updatedAt = t
      records.set(hash, next)
      return
    }
    case "artifact.upload_failed": {
      if (row?.status === "success") return
      if (row === undefined) {
        const next = fresh(team, hash, t)
        takeUpload(next, event)
        next.status = "failed"
        records.set(hash, next)
        return
      }
      row.status = "failed"
      row.updatedAt = t
      return
    }
    case "artifact.missed": {
      if (row === undefined) records.set(hash, fresh(team, hash, t))
      else if (row.status === "success") {
        row.status = "missing"
        row.updatedAt = t
      }
      return
    }
    case "artifact.deleted":
      records.delete(hash)
      rememberRemoval(store, team, hash, t)
      return
    default:
      return
  }
}

const rememberRemoval = (store: ReferenceStore, teamId: string, hash: string, at: number): void => {
  const removals = store.removals.get(teamId) ?? new Map<string, number>()
  store.removals.set(teamId, removals)
  removals.set(hash, Math.max(at, removals.get(hash) ?? at))
}

const applyStored = (store: ReferenceStore, write: IndexWrite.Stored): void => {
  const records = recordsOf(store, write.teamId)
  const row = records.get(write.hash)
  const { createdAt, metadata, size } = write.info
  const removedAt = store.removals.get(write.teamId)?.get(write.hash)
  if (removedAt !== undefined && createdAt <= removedAt) return
  if (row !== undefined && row.status === "success" && row.size === size && row.updatedAt > createdAt) return
  const next = row ?? { ...fresh(write.teamId, write.hash, createdAt) }
  next.status = "success"
  next.size = size
  next.durationMs = metadata.durationMs
  next.sha = metadata.sha ?? null
  next.dirtyHash = metadata.dirtyHash ?? null
  next.hasTag = metadata.tag !== undefined
  next.clientCi = metadata.clientCi ?? null
  next.updatedAt = Math.max(next.updatedAt, createdAt)
  records.set(write.hash, next)
}

const applyGone = (store: ReferenceStore, write: IndexWrite.Gone): void => {
  const row = store.records.get(write.teamId)?.get(write.hash)
  if (row === undefined || row.status !== "success" || row.updatedAt >= write.at) return
  row.status = "missing"
  row.updatedAt = write.at
}

const applyRemoved = (store: ReferenceStore, write: IndexWrite.Removed): void => {
  rememberRemoval(store, write.teamId, write.hash, write.at)
  const records = store.records.get(write.teamId)
  const row = records?.get(write.hash)
  if (records === undefined || row === undefined || lastUsedAt(row) > write.at) return
  records.delete(write.hash)
  if (row.status !== "success" || write.reason === "purged") return
  const evicted = store.evicted.get(write.teamId) ?? { count: 0, bytes: 0 }
  evicted.count++
  evicted.bytes += row.size ?? 0
  store.evicted.set(write.teamId, evicted)
}

const invalid = (write: IndexWrite): string | undefined => {
  switch (write._tag) {
    case "Event":
      return Number.isFinite(write.event.created_at) ? undefined : "created_at is not a finite number"
    case "Stored":
      return Number.isFinite(write.info.size) && Number.isFinite(write.info.createdAt) ? undefined : "bad info"
    case "Gone":
    case "Removed":
      return Number.isFinite(write.at) ? undefined : "at is not a finite number"
  }
}

const usageOf = (store: ReferenceStore, teamId: string) => {
  let bytes = 0
  let count = 0
  for (const row of store.records.get(teamId)?.values() ?? []) {
    if (row.status !== "success") continue
    bytes += row.size ?? 0
    count++
  }
  return { bytes, count }
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

const effectiveStatus = (row: Row, now: number): ArtifactStatus =>
  row.status === "registered" && now - row.updatedAt > staleUploadMs ? "failed" : row.status

const view = (row: Row, now: number): IndexedArtifact => ({ ...row, status: effectiveStatus(row, now) })

const toApi = (event: StoredActivityEvent): ActivityEvent => ({
  id: event.id,
  event_type: event.event_type,
  created_at: new Date(event.created_at).toISOString(),
  ...(event.team_id === undefined ? {} : { team_id: event.team_id }),
  data: event.data
})

const encodeCursor = (kind: "a" | "e", time: number, key: string): string =>
  `ref1.${Buffer.from(JSON.stringify({ kind, time, key })).toString("base64url")}`

const decodeCursor = (kind: "a" | "e", cursor: string) =>
  Effect.suspend(() => {
    const fail = Effect.fail(new InvalidCursor({ message: "this cursor was not handed out by this index" }))
    if (!cursor.startsWith("ref1.")) return fail
    try {
      const parsed = JSON.parse(Buffer.from(cursor.slice(5), "base64url").toString("utf8")) as unknown
      if (typeof parsed !== "object" || parsed === null) return fail
      const { key, kind: found, time } = parsed as Record<string, unknown>
      if (found !== kind || typeof time !== "number" || typeof key !== "string") return fail
      return Effect.succeed({ time, key })
    } catch {
      return fail
    }
  })

const page = <A>(rows: ReadonlyArray<A>, limit: number, cursorOf: (row: A) => string) => {
  const taken = rows.slice(0, limit)
  const last = taken[taken.length - 1]
  return { taken, nextCursor: rows.length > limit && last !== undefined ? cursorOf(last) : undefined }
}

export const makeReferenceIndex = (store: ReferenceStore): CacheIndexShape => ({
  write: (batch) =>
    Effect.suspend(() => {
      // All or nothing: every write is checked before any is applied.
      for (const write of batch) {
        const problem = invalid(write)
        if (problem !== undefined) return Effect.fail(new IndexError({ operation: "write", message: problem }))
      }
      for (const write of batch) {
        switch (write._tag) {
          case "Event": {
            const { event, store: keep } = write
            if (store.events.has(event.id)) break
            if (keep) store.events.set(event.id, event)
            countInRollup(store, event)
            applyToRecord(store, event)
            break
          }
          case "Stored":
            applyStored(store, write)
            break
          case "Gone":
            applyGone(store, write)
            break
          case "Removed":
            applyRemoved(store, write)
            break
        }
      }
      return Effect.void
    }),

  listArtifacts: (query) =>
    Effect.gen(function*() {
      const after = query.cursor === undefined ? undefined : yield* decodeCursor("a", query.cursor)
      const rows = [...(store.records.get(query.teamId)?.values() ?? [])]
        .map((row) => view(row, query.now))
        .filter((row) =>
          (query.status === undefined || row.status === query.status) &&
          (query.sha === undefined || row.sha === query.sha) &&
          (query.from === undefined || row.updatedAt >= query.from) &&
          (query.to === undefined || row.updatedAt < query.to) &&
          (after === undefined || row.updatedAt < after.time || (row.updatedAt === after.time && row.hash > after.key))
        )
        .sort((a, b) => b.updatedAt - a.updatedAt || (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0))
      const { nextCursor, taken } = page(rows, query.limit, (row) => encodeCursor("a", row.updatedAt, row.hash))
      return nextCursor === undefined ? { artifacts: taken } : { artifacts: taken, nextCursor }
    }),

  getArtifact: (teamId, hash, now) =>
    Effect.sync(() => {
      const row = store.records.get(teamId)?.get(hash)
      return row === undefined ? Option.none() : Option.some(view(row, now))
    }),

  listEvents: (query) =>
    Effect.gen(function*() {
      const after = query.cursor === undefined ? undefined : yield* decodeCursor("e", query.cursor)
      const rows = [...store.events.values()]
        .filter((event) =>
          (event.team_id ?? "") === query.teamId &&
          (query.types === undefined || query.types.includes(event.event_type)) &&
          (query.from === undefined || event.created_at >= query.from) &&
          (query.to === undefined || event.created_at < query.to) &&
          (after === undefined || event.created_at < after.time || (event.created_at === after.time && event.id < after.key))
        )
        .sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      const { nextCursor, taken } = page(rows, query.limit, (event) => encodeCursor("e", event.created_at, event.id))
      const events = taken.map(toApi)
      return nextCursor === undefined ? { events } : { events, nextCursor }
    }),

  getEvent: (teamId, id) =>
    Effect.sync(() => {
      const event = store.events.get(id)
      return event === undefined || (event.team_id ?? "") !== teamId ? Option.none() : Option.some(toApi(event))
    }),

  analytics: (teamId, from, to) => Effect.sync(() => sumHours(store, teamId, from, to, Number.POSITIVE_INFINITY).get(0) ?? zeroTotals()),

  analyticsBuckets: (teamId, from, to, bucketMs) =>
    Effect.sync(() => {
      const start = Math.floor(from / rollupHourMs) * rollupHourMs
      const size = Math.max(1, Math.round(bucketMs / rollupHourMs)) * rollupHourMs
      return [...sumHours(store, teamId, from, to, size)].sort(([a], [b]) => a - b)
        .map(([bucket, totals]) => ({ start: start + bucket * size, ...totals }))
    }),

  usage: (teamId) => Effect.sync(() => usageOf(store, teamId)),

  teams: Effect.sync(() => [...store.records].filter(([, records]) => records.size > 0).map(([team]) => team)),

  successHashes: (teamId, after, limit) =>
    Effect.sync(() =>
      [...(store.records.get(teamId)?.values() ?? [])]
        .filter((row) => row.status === "success" && (after === undefined || row.hash > after))
        .map((row) => row.hash)
        .sort()
        .slice(0, limit)
    ),

  evictionCandidates: (query) =>
    Effect.sync(() =>
      [...store.records.values()]
        .flatMap((records) => [...records.values()])
        .filter((row) =>
          row.status === "success" &&
          (query.teamId === undefined || row.teamId === query.teamId) &&
          (query.usedBefore === undefined || lastUsedAt(row) < query.usedBefore) &&
          (query.sha === undefined || row.sha === query.sha)
        )
        .map((row) => ({ teamId: row.teamId, hash: row.hash, size: row.size ?? 0, lastUsedAt: lastUsedAt(row) }))
        .sort((a, b) => a.lastUsedAt - b.lastUsedAt || compare(a.teamId, b.teamId) || compare(a.hash, b.hash))
        .slice(0, Math.max(0, query.limit))
    ),

  retentionStats: (teamId) =>
    Effect.sync(() => {
      const teams = teamId === undefined ? [...new Set([...store.records.keys(), ...store.evicted.keys()])] : [teamId]
      let bytes = 0
      let count = 0
      let evictedCount = 0
      let evictedBytes = 0
      let oldestUsedAt: number | null = null
      for (const team of teams) {
        const usage = usageOf(store, team)
        bytes += usage.bytes
        count += usage.count
        evictedCount += store.evicted.get(team)?.count ?? 0
        evictedBytes += store.evicted.get(team)?.bytes ?? 0
        for (const row of store.records.get(team)?.values() ?? []) {
          if (row.status !== "success") continue
          oldestUsedAt = oldestUsedAt === null ? lastUsedAt(row) : Math.min(oldestUsedAt, lastUsedAt(row))
        }
      }
      return { bytes, count, evictedCount, evictedBytes, oldestUsedAt }
    }),

  deleteEventsBefore: (before, limit) =>
    Effect.sync(() => {
      const oldest = [...store.events.values()]
        .filter((event) => event.created_at < before)
        .sort((a, b) => a.created_at - b.created_at || compare(a.id, b.id))
        .slice(0, Math.max(0, limit))
      for (const event of oldest) store.events.delete(event.id)
      return oldest.length
    }),

  deleteRollupsBefore: (before) =>
    Effect.sync(() => {
      let deleted = 0
      for (const hours of store.rollups.values()) {
        for (const hour of [...hours.keys()]) {
          if (hour >= before) continue
          hours.delete(hour)
          deleted++
        }
      }
      return deleted
    }),

  deleteUnstoredBefore: (before, limit) =>
    Effect.sync(() => {
      const oldest = [...store.records.values()]
        .flatMap((rows) => [...rows.values()])
        .filter((row) => row.status !== "success" && row.updatedAt < before)
        .sort((a, b) => a.updatedAt - b.updatedAt)
        .slice(0, Math.max(0, limit))
      for (const row of oldest) store.records.get(row.teamId)?.delete(row.hash)
      return oldest.length
    }),

  tryLease: (name, holder, ttlMs, now) =>
    Effect.sync(() => {
      const lease = store.leases.get(name)
      if (lease !== undefined && lease.holder !== holder && lease.expiresAt > now) return false
      store.leases.set(name, { holder, expiresAt: now + ttlMs })
      return true
    }),

  getMeta: (key) => Effect.sync(() => Option.fromNullishOr(store.meta.get(key))),
  setMeta: (key, value) => Effect.sync(() => void store.meta.set(key, value)),
  check: Effect.void
})

/** A reference index over `store` (a fresh one by default). */
export const referenceLayer = (store: ReferenceStore = makeStore()): Layer.Layer<CacheIndex> =>
  Layer.sync(CacheIndex, () => makeReferenceIndex(store))
