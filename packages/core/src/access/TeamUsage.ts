import { Context, Effect, Layer, Stream } from "effect"
import type { Namespace } from "../domain/Namespace.ts"
import { ArtifactStorage } from "../storage/ArtifactStorage.ts"
import type { StorageError } from "../storage/ArtifactStorage.ts"
import type { Team } from "./Team.ts"

export interface Usage {
  readonly bytes: number
  readonly count: number
}

export interface TeamUsageShape {
  /** What the team stores now; recomputed from a storage listing at most every `refreshAfter`. */
  readonly usedBytes: (team: Team) => Effect.Effect<Usage, StorageError>
  /** Counts an upload at once, so a quota bites before the next listing. */
  readonly added: (team: Team, bytes: number) => void
  /** Forgets the cached figure (after a delete), so the next read lists again. */
  readonly invalidate: (team: Team) => void
}

/** Storage used per team: for quotas (`over_limit`) and analytics. */
export class TeamUsage extends Context.Service<TeamUsage, TeamUsageShape>()("@hoard/core/TeamUsage") {}

interface Entry {
  usage: Usage
  computedAt: number
}

/**
 * Usage from listing the team's namespace, cached per team for `refreshAfterMs`
 * (default 60 s): listing a big team costs one pass over its objects. Other
 * replicas' uploads show after the next refresh.
 */
export const layer = (options: { readonly refreshAfterMs?: number } = {}): Layer.Layer<TeamUsage, never, ArtifactStorage> =>
  Layer.effect(
    TeamUsage,
    Effect.gen(function*() {
      const storage = yield* ArtifactStorage
      const refreshAfterMs = options.refreshAfterMs ?? 60_000
      const cache = new Map<Namespace, Entry>()
      const measure = (namespace: Namespace) =>
        storage.list({ namespace }).pipe(
          Stream.runFold(() => ({ bytes: 0, count: 0 }), (usage, { info }) => ({
            bytes: usage.bytes + info.size,
            count: usage.count + 1
          }))
        )
      return TeamUsage.of({
        usedBytes: (team) =>
          Effect.suspend(() => {
            const cached = cache.get(team.id)
            if (cached !== undefined && Date.now() - cached.computedAt < refreshAfterMs) {
              return Effect.succeed(cached.usage)
            }
            return measure(team.id).pipe(
              Effect.tap((usage) => Effect.sync(() => cache.set(team.id, { usage, computedAt: Date.now() })))
            )
          }),
        added: (team, bytes) => {
          const cached = cache.get(team.id)
          if (cached !== undefined) {
            cached.usage = { bytes: cached.usage.bytes + bytes, count: cached.usage.count + 1 }
          }
        },
        invalidate: (team) => void cache.delete(team.id)
      })
    })
  )
