import { assert } from "@effect/vitest"
import { CacheIndex, emptyRollupTotals, rollupHourMs } from "@hoard/core"
import type {
  ActivityEvent,
  ActivityEventData,
  ActivityEventType,
  ArtifactInfo,
  ArtifactQuery,
  CacheIndexShape,
  EventQuery,
  IndexedArtifact,
  IndexWrite,
  RollupTotals,
  StoredActivityEvent
} from "@hoard/core"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { randomBytes } from "node:crypto"

const hex = (bytes: number): string => randomBytes(bytes).toString("hex")

/** A fresh team id, so that tests sharing one database never see each other's records, events or rollups. */
export const randomTeamId = (): string => `team-${hex(6)}`

/** A random 16-character lowercase hex hash, like turbo's. */
export const randomHash = (): string => hex(8)

/**
 * A random event id: 24 lowercase hex characters. Ids of one length and
 * alphabet sort the same in every collation, so an `id desc` order is the
 * same in JavaScript and in SQL.
 */
export const randomEventId = (): string => hex(12)

/**
 * An event id as `IndexWriter` makes them: 12 hex digits of `createdAt` (ms),
 * then 12 random ones, so ids sort by time. An index may rely on that to find
 * the oldest events (activity retention).
 */
export const timedEventId = (createdAt: number): string =>
  `${Math.max(0, Math.floor(createdAt)).toString(16).padStart(12, "0")}${hex(6)}`

/** The start of the hour holding `ms`. */
export const hourStart = (ms: number): number => Math.floor(ms / rollupHourMs) * rollupHourMs

/** The start of a random hour between 2001 and 2030, so that tests sharing a database rarely share an hour. */
export const randomHour = (): number => Date.UTC(2001, 0, 1) + Math.floor(Math.random() * 30 * 365 * 24) * rollupHourMs

/** An event as `write` takes it. `teamId` `undefined`: an event without a team. */
export const makeEvent = (
  eventType: ActivityEventType,
  teamId: string | undefined,
  createdAt: number,
  data: ActivityEventData = {},
  id: string = randomEventId()
): StoredActivityEvent => ({
  id,
  event_type: eventType,
  created_at: createdAt,
  ...(teamId === undefined ? {} : { team_id: teamId }),
  data
})

export const eventWrite = (event: StoredActivityEvent, store = true): IndexWrite.Event => ({ _tag: "Event", event, store })

/** A stored `artifact.*` (or any) event about `hash`. */
export const artifactEvent = (
  eventType: ActivityEventType,
  teamId: string,
  hash: string,
  createdAt: number,
  data: ActivityEventData = {},
  id?: string
): IndexWrite.Event => eventWrite(makeEvent(eventType, teamId, createdAt, { hash, ...data }, id))

export const storedWrite = (teamId: string, hash: string, info: ArtifactInfo): IndexWrite.Stored => ({
  _tag: "Stored",
  teamId,
  hash,
  info
})

export const goneWrite = (teamId: string, hash: string, at: number): IndexWrite.Gone => ({ _tag: "Gone", teamId, hash, at })

export const removedWrite = (
  teamId: string,
  hash: string,
  at: number,
  reason: IndexWrite.Removed["reason"] = "evicted"
): IndexWrite.Removed => ({ _tag: "Removed", teamId, hash, at, reason })

/** The API form of a stored event, as `listEvents`/`getEvent` return it. */
export const toApiEvent = (event: StoredActivityEvent): ActivityEvent => ({
  id: event.id,
  event_type: event.event_type,
  created_at: new Date(event.created_at).toISOString(),
  ...(event.team_id === undefined ? {} : { team_id: event.team_id }),
  data: event.data
})

/** Rollups with nothing counted. */
export const emptyTotals: RollupTotals = emptyRollupTotals

const amount = (value: number | undefined): number => value !== undefined && Number.isFinite(value) ? value : 0

/**
 * What the rollups of these events are, counted from the events themselves
 * with the port's mapping (written out here rather than shared with the
 * server, so that the suite checks it independently).
 */
export const recount = (
  events: Iterable<{ readonly event_type: ActivityEventType; readonly data: ActivityEventData }>
): RollupTotals => {
  const hits = { local: 0, remote: 0 }
  const misses = { local: 0, remote: 0 }
  let timeSaved = 0
  let uploads = 0
  let bytesUploaded = 0
  let downloads = 0
  let bytesDownloaded = 0
  let rejected = 0
  for (const { data, event_type } of events) {
    switch (event_type) {
      case "usage.hit":
        if (data.source === "LOCAL") hits.local++
        else if (data.source === "REMOTE") {
          hits.remote++
          timeSaved += amount(data.duration_ms)
        }
        break
      case "usage.miss":
        if (data.source === "LOCAL") misses.local++
        else if (data.source === "REMOTE") misses.remote++
        break
      case "artifact.uploaded":
        uploads++
        bytesUploaded += amount(data.size)
        break
      case "artifact.downloaded":
        downloads++
        bytesDownloaded += amount(data.size)
        break
      case "auth.rejected":
        rejected++
        break
      default:
        break
    }
  }
  return {
    hits,
    misses,
    time_saved_ms: timeSaved,
    uploads,
    bytes_uploaded: bytesUploaded,
    downloads,
    bytes_downloaded: bytesDownloaded,
    rejected
  }
}

/** Milliseconds since the epoch of an API event's `created_at`, checking it is ISO 8601. */
export const eventTime = (event: ActivityEvent): number => {
  assert.match(event.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/u, "created_at is ISO 8601")
  return Date.parse(event.created_at)
}

/** Newest first: `created_at` descending, then `id` descending (negative when `a` comes first). */
export const newestFirst = (a: ActivityEvent, b: ActivityEvent): number =>
  eventTime(b) - eventTime(a) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)

/** Most recently updated first, then by hash (negative when `a` comes first). */
export const artifactOrder = (a: IndexedArtifact, b: IndexedArtifact): number =>
  b.updatedAt - a.updatedAt || (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0)

const maxPages = 100_000

/**
 * Every page of `listArtifacts`, each checked to hold at most `limit` rows.
 * `between(page)` runs after each page that has a next one (to write meanwhile).
 */
export const allArtifacts = <E = never, R = never>(
  query: Omit<ArtifactQuery, "cursor" | "limit">,
  limit = 50,
  between?: (page: number) => Effect.Effect<void, E, R>
) =>
  Effect.gen(function*() {
    const index = yield* CacheIndex
    const rows: Array<IndexedArtifact> = []
    let cursor: string | undefined
    for (let page = 0; page < maxPages; page++) {
      const result = yield* index.listArtifacts({ ...query, limit, ...(cursor === undefined ? {} : { cursor }) })
      assert.isAtMost(result.artifacts.length, limit, "a page holds at most `limit` artifacts")
      rows.push(...result.artifacts)
      if (result.nextCursor === undefined) return rows
      assert.notStrictEqual(result.nextCursor, cursor, "the cursor moves on")
      cursor = result.nextCursor
      if (between !== undefined) yield* between(page)
    }
    return assert.fail("listArtifacts never ended")
  })

/** Every page of `listEvents`, each checked to hold at most `limit` events; `between` as in {@link allArtifacts}. */
export const allEvents = <E = never, R = never>(
  query: Omit<EventQuery, "cursor" | "limit">,
  limit = 50,
  between?: (page: number) => Effect.Effect<void, E, R>
) =>
  Effect.gen(function*() {
    const index = yield* CacheIndex
    const events: Array<ActivityEvent> = []
    let cursor: string | undefined
    for (let page = 0; page < maxPages; page++) {
      const result = yield* index.listEvents({ ...query, limit, ...(cursor === undefined ? {} : { cursor }) })
      assert.isAtMost(result.events.length, limit, "a page holds at most `limit` events")
      events.push(...result.events)
      if (result.nextCursor === undefined) return events
      assert.notStrictEqual(result.nextCursor, cursor, "the cursor moves on")
      cursor = result.nextCursor
      if (between !== undefined) yield* between(page)
    }
    return assert.fail("listEvents never ended")
  })

/** Every hash of `successHashes`, in pages of `limit`. */
export const allSuccessHashes = (teamId: string, limit = 50) =>
  Effect.gen(function*() {
    const index = yield* CacheIndex
    const hashes: Array<string> = []
    let after: string | undefined
    for (let page = 0; page < maxPages; page++) {
      const result = yield* index.successHashes(teamId, after, limit)
      assert.isAtMost(result.length, limit, "successHashes returns at most `limit` hashes")
      hashes.push(...result)
      if (result.length < limit) return hashes
      after = result[result.length - 1]
    }
    return assert.fail("successHashes never ended")
  })

/** Bytes and count of the `success` records of a team, counted from `listArtifacts`. */
export const recountUsage = (teamId: string, now: number) =>
  Effect.map(allArtifacts({ teamId, status: "success", now }, 100), (rows) => ({
    bytes: rows.reduce((sum, row) => sum + (row.size ?? 0), 0),
    count: rows.length
  }))

/** An index built from `layer` in a scope of its own (a fresh memo map, so a second build is a second instance). */
export interface OpenedIndex {
  readonly index: CacheIndexShape
  /** Releases the index (its connections); safe to call twice. */
  readonly close: Effect.Effect<void>
}

export const openIndex = (layer: Layer.Layer<CacheIndex, unknown>) =>
  Effect.gen(function*() {
    const scope = yield* Scope.make()
    const memoMap = yield* Layer.makeMemoMap
    let closed = false
    const close = Effect.suspend(() => {
      if (closed) return Effect.void
      closed = true
      return Scope.close(scope, Exit.void)
    })
    yield* Effect.addFinalizer(() => close)
    const context = yield* Layer.buildWithMemoMap(layer, memoMap, scope).pipe(Effect.orDie)
    return { index: Context.get(context, CacheIndex), close } satisfies OpenedIndex
  })

/**
 * A seeded pseudo-random generator (mulberry32): the same seed gives the same
 * workload, so a failure can be replayed.
 */
export interface SeededRandom {
  /** In [0, 1). */
  readonly next: () => number
  /** An integer in [min, max]. */
  readonly int: (min: number, max: number) => number
  readonly pick: <A>(items: ReadonlyArray<A>) => A
  readonly chance: (p: number) => boolean
}

export const seededRandom = (seed: number): SeededRandom => {
  let state = seed >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1))
  return {
    next,
    int,
    pick: (items) => {
      if (items.length === 0) throw new RangeError("pick from an empty list")
      return items[int(0, items.length - 1)]!
    },
    chance: (p) => next() < p
  }
}
