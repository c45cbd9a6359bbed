/**
 * The background evictor: keeps storage within its budgets, never on the
 * request path. Every `interval`, or at once when an upload finds a budget
 * exceeded (`wake`), the replica holding the index's `retention` lease (one
 * replica at a time, however many share the index):
 *
 * 1. removes artifacts unused for longer than the TTL;
 * 2. for each team with a `maxSize`, and then for the whole cache, when the
 *    stored bytes are above the budget (the high watermark, 100%), removes the
 *    least recently used artifacts (last read or write) until they are at the
 *    low watermark (90%);
 * 3. at most hourly, deletes activity events, the records of artifacts that
 *    were never stored (`missing`, `failed`) and hourly rollups older than
 *    their retention.
 *
 * Uploads never wait for it; past the hard ceiling (110%) they get 507 until
 * it catches up (`StorageBudget`). Every artifact is deleted from storage
 * first and then from the index (`removeArtifacts`).
 */
import { Cause, Context, Duration, Effect, Layer, Queue, Semaphore } from "effect"
import { TeamDirectory } from "../access/TeamDirectory.ts"
import { TeamUsage } from "../access/TeamUsage.ts"
import { CacheIndex } from "../index/CacheIndex.ts"
import type { EvictionCandidate, IndexError } from "../index/CacheIndex.ts"
import { IndexWriter } from "../index/IndexWriter.ts"
import { reportStored } from "../observability/metrics.ts"
import { TeamLabels } from "../observability/teamLabels.ts"
import { ArtifactStorage } from "../storage/ArtifactStorage.ts"
import { RetentionConfig } from "./RetentionConfig.ts"
import { removeArtifacts } from "./removeArtifacts.ts"

/** The lease that makes one replica at a time the evictor. */
export const retentionLease = "retention"

/** Artifacts chosen per page. */
const pageSize = 200
/** Most artifacts removed in one pass before the index is waited for (each page's query skips those already removed). */
const maxPassArtifacts = 2_000
/** Events or records deleted per statement: short transactions that never hold the index for long. */
const deletePageSize = 5_000
const activitySweepEveryMs = 60 * 60 * 1000
/** The most often the background loop logs what it removed. */
const summaryEveryMs = 60 * 1000

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

const keyOf = (candidate: EvictionCandidate): string => `${candidate.teamId}/${candidate.hash}`

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
  const teamLabels = yield* TeamLabels
  const settings = yield* RetentionConfig
  const holder = replicaId()
  // Long enough to outlive a slow round between renewals, short enough that a dead holder is replaced soon.
  const leaseMs = Math.max(30_000, 3 * settings.intervalMs)
  const holdLease = Effect.suspend(() => index.tryLease(retentionLease, holder, leaseMs, Date.now()))
  let lastActivitySweep = 0
  const none = { count: 0, bytes: 0 }

  /** The next budget check on this replica reads the index again (the whole cache's figure too). */
  const invalidateTeams = (teamIds: Iterable<string>) => {
    for (const teamId of new Set(teamIds)) usage.invalidate({ id: teamId })
  }

  /**
   * Evicts from one budget when it is above its high watermark, in passes.
   * A pass removes least recently used artifacts adding up to the excess over
   * the low watermark, as the index counted it at the pass's start, a page at a time
   * without waiting for the index in between (a commit under heavy writes
   * outlasts a page of deletes); then one wait for the index and a fresh
   * count, and another pass while uploads kept it above the low watermark.
   */
  const enforce = Effect.fnUntraced(function*(teamId: string | undefined, budget: number) {
    // This replica's uploads so far count (the one that woke the evictor among them).
    yield* writer.flush
    const first = yield* index.retentionStats(teamId)
    yield* reportStored(teamId === undefined ? undefined : teamLabels.of(teamId), first.bytes, budget)
    if (first.bytes <= budget) return none
    const low = Math.floor(budget * settings.lowWatermark)
    const skip = new Set<string>()
    let count = 0
    let bytes = 0
    let stored = first.bytes
    passes: while (stored > low) {
      /** Removed or left alone in this pass: the index lists them until the pass's writes are applied. */
      const passed = new Set<string>()
      const teamIds = new Set<string>()
      let excess = stored - low
      while (excess > 0 && passed.size < maxPassArtifacts) {
        const page: Array<EvictionCandidate> = []
        let chosen = 0
        const candidates = yield* index.evictionCandidates({
          ...(teamId !== undefined && { teamId }),
          limit: pageSize + passed.size + skip.size
        })
        for (const candidate of candidates) {
          const key = keyOf(candidate)
          if (passed.has(key) || skip.has(key)) continue
          if (chosen >= excess || page.length >= pageSize) break
          page.push(candidate)
          chosen += candidate.size
        }
        if (page.length === 0) break passes
        const removed = yield* removeArtifacts(storage, writer, page, { reason: "evicted", onlyIfUnused: true, flush: false, concurrency: 16, teamLabels })
        for (const candidate of page) {
          passed.add(keyOf(candidate))
          teamIds.add(candidate.teamId)
        }
        for (const candidate of removed.skipped) skip.add(keyOf(candidate))
        count += removed.count
        bytes += removed.bytes
        excess -= removed.bytes
        // The lease is renewed between pages; lost (a long pause), the round ends.
        if (!(yield* holdLease)) break passes
      }
      yield* writer.flush
      invalidateTeams(teamIds)
      stored = (yield* index.retentionStats(teamId)).bytes
      yield* reportStored(teamId === undefined ? undefined : teamLabels.of(teamId), stored, budget)
    }
    yield* Effect.logDebug(
      `retention: ${teamId === undefined ? "the cache" : `team ${teamId}`} held ${first.bytes} bytes, over its budget of ${budget}: ` +
        `evicted ${count} least recently used artifact(s), ${bytes} bytes`
    )
    return { count, bytes }
  })

  /** The TTL: removes pages of artifacts unused since `ttlMs` ago, waiting for the index after each. */
  const expire = Effect.fnUntraced(function*(ttlMs: number) {
    const usedBefore = Date.now() - ttlMs
    const skip = new Set<string>()
    let count = 0
    let bytes = 0
    while (true) {
      const candidates = yield* index.evictionCandidates({ usedBefore, limit: pageSize + skip.size })
      const page = candidates.filter((candidate) => !skip.has(keyOf(candidate))).slice(0, pageSize)
      if (page.length === 0) break
      const removed = yield* removeArtifacts(storage, writer, page, { reason: "expired", onlyIfUnused: true, teamLabels })
      for (const candidate of removed.skipped) skip.add(keyOf(candidate))
      count += removed.count
      bytes += removed.bytes
      invalidateTeams(page.map((candidate) => candidate.teamId))
      // The lease is renewed between pages; lost (a long pause), the round ends.
      if (!(yield* holdLease)) break
    }
    return { count, bytes }
  })

  /** Deletes, a page per statement, what `deletePage` finds before the cutoff; answers how many. */
  const deleteAll = Effect.fnUntraced(function*(deletePage: (limit: number) => Effect.Effect<number, IndexError>) {
    let deleted = 0
    while (true) {
      const count = yield* deletePage(deletePageSize)
      deleted += count
      if (count < deletePageSize) return deleted
    }
  })

  // The activity record, and the records of hashes that were never stored
  // (every miss of a new hash leaves one), go after the activity retention.
  const sweepActivity = Effect.gen(function*() {
    const now = Date.now()
    if (now - lastActivitySweep < activitySweepEveryMs) return 0
    let deleted = 0
    if (settings.activityRetentionMs !== undefined) {
      const before = now - settings.activityRetentionMs
      deleted = yield* deleteAll((limit) => index.deleteEventsBefore(before, limit))
      const records = yield* deleteAll((limit) => index.deleteUnstoredBefore(before, limit))
      if (records > 0) {
        yield* Effect.logInfo(`retention: deleted ${records} record(s) of artifacts never stored, older than the activity retention`)
      }
    }
    if (settings.rollupRetentionMs !== undefined) yield* index.deleteRollupsBefore(now - settings.rollupRetentionMs)
    lastActivitySweep = now
    if (deleted > 0) yield* Effect.logInfo(`retention: deleted ${deleted} activity event(s) older than the activity retention`)
    return deleted
  })

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
  // Under sustained uploads rounds come several a second: the log gets one summary a minute at most.
  let unreported = { evicted: none, expired: none }
  let lastReport = 0
  const report = (round: RoundResult) =>
    Effect.suspend(() => {
      const sum = (a: typeof none, b: typeof none) => ({ count: a.count + b.count, bytes: a.bytes + b.bytes })
      unreported = { evicted: sum(unreported.evicted, round.evicted), expired: sum(unreported.expired, round.expired) }
      const { evicted, expired } = unreported
      if (evicted.count + expired.count === 0 || Date.now() - lastReport < summaryEveryMs) return Effect.void
      lastReport = Date.now()
      unreported = { evicted: none, expired: none }
      return Effect.logInfo(
        `retention: evicted ${evicted.count} least recently used artifact(s) (${evicted.bytes} bytes) over a budget, ` +
          `and ${expired.count} (${expired.bytes} bytes) past the TTL`
      )
    })
  /** The background loop: a round, then the interval or a wake-up, whichever comes first. */
  const loop = Effect.forever(
    Effect.flatMap(runOnce, report).pipe(
      Effect.andThen(Effect.raceFirst(Effect.sleep(Duration.millis(settings.intervalMs)), Queue.take(wakeUps)))
    )
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
  ArtifactStorage | CacheIndex | IndexWriter | TeamDirectory | TeamUsage | RetentionConfig | TeamLabels
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
