/**
 * The background evictor: keeps storage within its budgets, never on the
 * request path. Every `interval` the replica holding the index's `retention`
 * lease (one replica at a time, however many share the index):
 *
 * 1. removes artifacts unused for longer than the TTL;
 * 2. for each team with a `maxSize`, and then for the whole cache, when the
 *    stored bytes are above the budget (the high watermark, 100%), removes the
 *    least recently used artifacts (last read or write) until they are at the
 *    low watermark (90%), a page at a time;
 * 3. at most hourly, deletes activity events and hourly rollups older than
 *    their retention.
 *
 * Uploads never wait for it; past the hard ceiling (110%) they get 507 until
 * it catches up (`StorageBudget`). Each page is deleted from storage first and
 * then from the index (`removeArtifacts`), and the index has applied it before
 * the next page is chosen.
 */
import { Cause, Context, Duration, Effect, Layer, Queue, Semaphore } from "effect"
import { TeamDirectory } from "../access/TeamDirectory.ts"
import { TeamUsage } from "../access/TeamUsage.ts"
import { CacheIndex } from "../index/CacheIndex.ts"
import type { EvictionCandidate } from "../index/CacheIndex.ts"
import { IndexWriter } from "../index/IndexWriter.ts"
import { ArtifactStorage } from "../storage/ArtifactStorage.ts"
import { RetentionConfig } from "./RetentionConfig.ts"
import { removeArtifacts } from "./removeArtifacts.ts"

/** The lease that makes one replica at a time the evictor. */
export const retentionLease = "retention"

/** Artifacts chosen per page. */
const pageSize = 200
/** Events deleted per statement: short transactions that never hold the index for long. */
const eventPageSize = 5_000
const activitySweepEveryMs = 60 * 60 * 1000

export interface RoundResult {
  /** Whether this replica held the lease and ran the round. */
  readonly ran: boolean
  readonly evicted: { readonly count: number; readonly bytes: number }
  readonly expired: { readonly count: number; readonly bytes: number }
  readonly eventsDeleted: number
}

export interface EvictorShape {
  /** Runs one round now (when this replica gets the lease); the background loop calls it every `interval`. */
  readonly runOnce: Effect.Effect<RoundResult>
  /**
   * Starts the background round now instead of at the end of the interval:
   * an upload saw a budget exceeded. Never blocks; wakes coalesce.
   */
  readonly wake: () => void
}

export class Evictor extends Context.Service<Evictor, EvictorShape>()("@hoard/core/Evictor") {}

/** A random name for this replica in the lease table. */
const replicaId = (): string => {
  const bytes = new Uint8Array(8)
  globalThis.crypto.getRandomValues(bytes)
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("")
}

export const make = Effect.gen(function*() {
  const storage = yield* ArtifactStorage
  const index = yield* CacheIndex
  const writer = yield* IndexWriter
  const teams = yield* TeamDirectory
  const usage = yield* TeamUsage
  const settings = yield* RetentionConfig
  const holder = replicaId()
  // Long enough to outlive a slow round between renewals, short enough that a dead holder is replaced soon.
  const leaseMs = Math.max(30_000, 3 * settings.intervalMs)
  const holdLease = Effect.suspend(() => index.tryLease(retentionLease, holder, leaseMs, Date.now()))
  let lastActivitySweep = 0

  /** Removes pages of `next()` until it answers an empty page or `enough` says stop. */
  const removePages = (
    reason: "evicted" | "expired",
    next: (skip: ReadonlySet<string>) => Effect.Effect<ReadonlyArray<EvictionCandidate>, unknown>
  ) =>
    Effect.gen(function*() {
      const skip = new Set<string>()
      let count = 0
      let bytes = 0
      while (true) {
        const page = yield* next(skip)
        if (page.length === 0) break
        const removed = yield* removeArtifacts(storage, writer, page, { reason, onlyIfUnused: true })
        for (const candidate of removed.skipped) skip.add(`${candidate.teamId}/${candidate.hash}`)
        count += removed.count
        bytes += removed.bytes
        // The next budget check on this replica reads the index again (the whole cache's figure too).
        for (const teamId of new Set(page.map((candidate) => candidate.teamId))) usage.invalidate({ id: teamId })
        // The lease is renewed between pages; lost (a long pause), the round ends.
        if (!(yield* holdLease)) break
      }
      return { count, bytes }
    })

  const notSkipped = (skip: ReadonlySet<string>) => (candidate: EvictionCandidate) => !skip.has(`${candidate.teamId}/${candidate.hash}`)

  /** Candidates to bring `teamId` (or the whole cache) from `bytes` down to `target`: the oldest that add up to the excess. */
  const downTo = (teamId: string | undefined, target: number) => (skip: ReadonlySet<string>) =>
    Effect.gen(function*() {
      const stats = yield* index.retentionStats(teamId)
      let excess = stats.bytes - target
      if (excess <= 0) return []
      const page = (yield* index.evictionCandidates({ ...(teamId !== undefined && { teamId }), limit: pageSize + skip.size }))
        .filter(notSkipped(skip))
      const chosen: Array<EvictionCandidate> = []
      for (const candidate of page) {
        if (excess <= 0) break
        chosen.push(candidate)
        excess -= candidate.size
      }
      return chosen
    })

  /** Evicts from one budget when it is above its high watermark. */
  const enforce = (teamId: string | undefined, budget: number) =>
    Effect.gen(function*() {
      const stats = yield* index.retentionStats(teamId)
      if (stats.bytes <= budget) return { count: 0, bytes: 0 }
      const removed = yield* removePages("evicted", downTo(teamId, Math.floor(budget * settings.lowWatermark)))
      yield* Effect.logInfo(
        `retention: ${teamId === undefined ? "the cache" : `team ${teamId}`} held ${stats.bytes} bytes, over its budget of ${budget}: ` +
          `evicted ${removed.count} least recently used artifact(s), ${removed.bytes} bytes`
      )
      return removed
    })

  const expire = (ttlMs: number) => {
    const usedBefore = Date.now() - ttlMs
    return removePages("expired", (skip) =>
      Effect.map(
        index.evictionCandidates({ usedBefore, limit: pageSize + skip.size }),
        (page) => page.filter(notSkipped(skip)).slice(0, pageSize)
      ))
  }

  const sweepActivity = Effect.gen(function*() {
    const now = Date.now()
    if (now - lastActivitySweep < activitySweepEveryMs) return 0
    let deleted = 0
    if (settings.activityRetentionMs !== undefined) {
      const before = now - settings.activityRetentionMs
      while (true) {
        const count = yield* index.deleteEventsBefore(before, eventPageSize)
        deleted += count
        if (count < eventPageSize) break
      }
    }
    if (settings.rollupRetentionMs !== undefined) yield* index.deleteRollupsBefore(now - settings.rollupRetentionMs)
    lastActivitySweep = now
    if (deleted > 0) yield* Effect.logInfo(`retention: deleted ${deleted} activity event(s) older than the activity retention`)
    return deleted
  })

  const none = { count: 0, bytes: 0 }
  // One round at a time on this replica: a round asked for (`runOnce`) waits for the background one.
  const oneAtATime = yield* Semaphore.make(1)
  const runOnce: EvictorShape["runOnce"] = Effect.gen(function*() {
    if (!(yield* holdLease)) return { ran: false, evicted: none, expired: none, eventsDeleted: 0 }
    const expired = settings.ttlMs === undefined ? none : yield* expire(settings.ttlMs)
    let evicted = none
    const add = (removed: { readonly count: number; readonly bytes: number }) => {
      evicted = { count: evicted.count + removed.count, bytes: evicted.bytes + removed.bytes }
    }
    for (const team of teams.teams) {
      if (team.maxSizeBytes !== undefined) add(yield* enforce(team.id, team.maxSizeBytes))
    }
    if (settings.maxSizeBytes !== undefined) add(yield* enforce(undefined, settings.maxSizeBytes))
    const eventsDeleted = yield* sweepActivity
    return { ran: true, evicted, expired, eventsDeleted }
  }).pipe(
    Effect.catchCause((cause) =>
      Cause.hasInterruptsOnly(cause) ? Effect.failCause(cause as Cause.Cause<never>) : Effect.as(
        Effect.logWarning("retention: an eviction round failed; the next one retries", cause),
        { ran: true, evicted: none, expired: none, eventsDeleted: 0 }
      )
    ),
    oneAtATime.withPermit
  )

  const wakeUps = yield* Queue.sliding<void>(1)
  const wake = () => {
    Queue.offerUnsafe(wakeUps, undefined)
  }
  /** The background loop: a round, then the interval or a wake-up, whichever comes first. */
  const loop = Effect.forever(
    Effect.andThen(runOnce, Effect.raceFirst(Effect.sleep(Duration.millis(settings.intervalMs)), Queue.take(wakeUps)))
  )

  return { evictor: Evictor.of({ runOnce, wake }), loop }
})

/** Whether the settings ask for any background work at all. */
const hasWork = (settings: RetentionConfig["Service"], teamBudgets: boolean): boolean =>
  teamBudgets || settings.maxSizeBytes !== undefined || settings.ttlMs !== undefined ||
  settings.activityRetentionMs !== undefined || settings.rollupRetentionMs !== undefined

/** The evictor, and its background loop in the layer's scope. */
export const layer: Layer.Layer<
  Evictor,
  never,
  ArtifactStorage | CacheIndex | IndexWriter | TeamDirectory | TeamUsage | RetentionConfig
> = Layer.effect(
  Evictor,
  Effect.gen(function*() {
    const { evictor, loop } = yield* make
    const settings = yield* RetentionConfig
    const teams = yield* TeamDirectory
    if (hasWork(settings, teams.teams.some((team) => team.maxSizeBytes !== undefined))) yield* Effect.forkScoped(loop)
    return evictor
  })
)
