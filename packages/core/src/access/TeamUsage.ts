import { Cache, Context, Duration, Effect, Exit, Layer } from "effect"
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
  /** Counts an upload at once, so a quota bites before the index has applied it. */
  readonly added: (team: Team, bytes: number) => void
  /** Forgets the cached figure (after a delete), so the next call reads the index. */
  readonly invalidate: (team: Team) => void
}

/** Storage used per team: for quotas (`over_limit`). */
export class TeamUsage extends Context.Service<TeamUsage, TeamUsageShape>()("@hoard/core/TeamUsage") {}

export interface TeamUsageOptions {
  /** How long a figure read from the index is used. Default 5 seconds. */
  readonly refreshAfter?: Duration.Input
  /** Longest wait for the index; past it the last figure is used. Default 1 second. */
  readonly readTimeout?: Duration.Input
}

export const layer = (options: TeamUsageOptions = {}): Layer.Layer<TeamUsage, never, CacheIndex> =>
  Layer.effect(
    TeamUsage,
    Effect.gen(function*() {
      const index = yield* CacheIndex
      const refreshAfter = options.refreshAfter ?? "5 seconds"
      const readTimeout = options.readTimeout ?? "1 second"
      /** The last figure read per team, and this replica's uploads since that read. */
      const known = new Map<string, { usage: Usage; addedBytes: number; addedCount: number }>()
      const read = yield* Cache.makeWith((teamId: string) =>
        index.usage(teamId).pipe(
          Effect.timeout(readTimeout),
          Effect.tap((usage) => Effect.sync(() => known.set(teamId, { usage, addedBytes: 0, addedCount: 0 })))
        ), {
        capacity: 10_000,
        // A failed read is retried soon, not cached for the whole period.
        timeToLive: (exit) => Exit.isSuccess(exit) ? refreshAfter : Duration.millis(500)
      })
      return TeamUsage.of({
        usedBytes: (team) =>
          Cache.get(read, team.id).pipe(
            // The writer and the readiness probe report an index that is down; a quota check just goes on.
            Effect.catchCause(() => Effect.void),
            Effect.andThen(Effect.sync(() => {
              const entry = known.get(team.id)
              return entry === undefined
                ? { bytes: 0, count: 0 }
                : { bytes: entry.usage.bytes + entry.addedBytes, count: entry.usage.count + entry.addedCount }
            }))
          ),
        added: (team, bytes) => {
          const entry = known.get(team.id)
          if (entry !== undefined) {
            entry.addedBytes += bytes
            entry.addedCount += 1
          }
        },
        invalidate: (team) => {
          known.delete(team.id)
          Effect.runSync(Cache.invalidate(read, team.id))
        }
      })
    })
  )
