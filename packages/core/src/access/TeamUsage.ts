import { Cache, Clock, Context, Duration, Effect, Exit, Layer } from "effect"
import { CacheIndex } from "../index/CacheIndex.ts"
import type { Usage } from "../index/CacheIndex.ts"
import type { Team } from "./Team.ts"

export type { Usage } from "../index/CacheIndex.ts"

export interface TeamUsageShape {
  /**
   * What the team stores now: the index's usage row, read at most every
   * `refreshAfter` per team (concurrent callers share one read), plus this
   * replica's uploads since. Never fails: while the index cannot be read the
   * last figure is used (none yet: 0), so a quota never turns into 5xx.
   */
  readonly usedBytes: (team: Team) => Effect.Effect<Usage>
  /** What the whole cache stores now, every team's: read and counted the same way. */
  readonly cacheUsedBytes: Effect.Effect<Usage>
  /** Counts an upload at once, so a quota or a budget bites before the index has applied it. */
  readonly added: (team: Team, bytes: number) => void
  /** Forgets the team's and the whole cache's cached figures (after a delete), so the next call reads the index. */
  readonly invalidate: (team: { readonly id: string }) => void
}

/** Storage used per team and in all: for quotas (`over_limit`) and the size budgets' hard ceiling. */
export class TeamUsage extends Context.Service<TeamUsage, TeamUsageShape>()("@hoard/core/TeamUsage") {}

export interface TeamUsageOptions {
  /** How long a figure read from the index is used. Default 5 seconds. */
  readonly refreshAfter?: Duration.Input
  /** Longest wait for the index; past it the last figure is used. Default 1 second. */
  readonly readTimeout?: Duration.Input
}

/** The cache key of the whole cache's figure: no team id has a NUL. */
const wholeCache = "\u0000all"

export const layer = (options: TeamUsageOptions = {}): Layer.Layer<TeamUsage, never, CacheIndex> =>
  Layer.effect(
    TeamUsage,
    Effect.gen(function*() {
      const index = yield* CacheIndex
      const refreshAfter = options.refreshAfter ?? "5 seconds"
      const readTimeout = options.readTimeout ?? "1 second"
      /**
       * The last figure read per team (and the whole cache's, under
       * `wholeCache`), this replica's uploads since that read, and until when
       * (on the clock) the figure is used without asking the cache.
       */
      const known = new Map<string, { usage: Usage; addedBytes: number; addedCount: number; freshUntil: number }>()
      // Figures are cached under `key + NUL1 + generation`; `invalidate` moves a key to
      // its next generation, so a read that was already running when it was called
      // (and may predate an eviction) neither answers nor sets the figure afterwards.
      const generations = new Map<string, number>()
      const versionOf = (key: string) => `${key}\u0001${generations.get(key) ?? 0}`
      const keyOf = (version: string) => version.slice(0, version.lastIndexOf("\u0001"))
      // The whole cache's figure follows evictions by other replicas within a second (one cheap read each).
      const freshFor = (key: string): Duration.Duration =>
        key === wholeCache
          ? Duration.min(Duration.fromInputUnsafe(refreshAfter), Duration.seconds(1))
          : Duration.fromInputUnsafe(refreshAfter)
      const read = yield* Cache.makeWith((version: string) => {
        const key = keyOf(version)
        return (key === wholeCache ? index.retentionStats(undefined) : index.usage(key)).pipe(
          Effect.timeout(readTimeout),
          Effect.tap(({ bytes, count }) =>
            Effect.map(Clock.currentTimeMillis, (now) => {
              if (versionOf(key) !== version) return
              const freshUntil = now + Duration.toMillis(freshFor(key))
              known.set(key, { usage: { bytes, count }, addedBytes: 0, addedCount: 0, freshUntil })
            })
          )
        )
      }, {
        capacity: 10_000,
        // A failed read is retried soon, not cached for the whole period.
        timeToLive: (exit, version) => Exit.isFailure(exit) ? Duration.millis(500) : freshFor(keyOf(version))
      })
      const figureOf = (key: string): Usage => {
        const entry = known.get(key)
        return entry === undefined
          ? { bytes: 0, count: 0 }
          : { bytes: entry.usage.bytes + entry.addedBytes, count: entry.usage.count + entry.addedCount }
      }
      const readFigure = (key: string): Effect.Effect<Usage> =>
        Effect.suspend(() => Cache.get(read, versionOf(key))).pipe(
          // The writer and the readiness probe report an index that is down; a quota check just goes on.
          Effect.catchCause(() => Effect.void),
          Effect.andThen(Effect.sync(() => figureOf(key)))
        )
      // Every upload asks (its budgets, before and after): a fresh figure is
      // answered at once, without the cache's lookup.
      const usedBy = (key: string): Effect.Effect<Usage> =>
        Effect.clockWith((clock) => {
          const entry = known.get(key)
          return entry !== undefined && clock.currentTimeMillisUnsafe() < entry.freshUntil
            ? Effect.succeed(figureOf(key))
            : readFigure(key)
        })
      const add = (key: string, bytes: number): void => {
        const entry = known.get(key)
        if (entry !== undefined) {
          entry.addedBytes += bytes
          entry.addedCount += 1
        }
      }
      const forget = (key: string): void => {
        const version = versionOf(key)
        generations.set(key, (generations.get(key) ?? 0) + 1)
        known.delete(key)
        Effect.runSync(Cache.invalidate(read, version))
      }
      return TeamUsage.of({
        usedBytes: (team) => usedBy(team.id),
        cacheUsedBytes: usedBy(wholeCache),
        added: (team, bytes) => {
          add(team.id, bytes)
          add(wholeCache, bytes)
        },
        invalidate: (team) => {
          forget(team.id)
          forget(wholeCache)
        }
      })
    })
  )
