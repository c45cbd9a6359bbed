import { Effect, Option } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import type { RetentionStats } from "../../index/CacheIndex.ts"
import { Purges } from "../../retention/Purges.ts"
import { notFound } from "../ApiError.ts"
import { recordActivity } from "../RequestContext.ts"
import { Services } from "../Services.ts"
import { makeIndexReads } from "./IndexReads.ts"
import { ManagementApi } from "./ManagementApi.ts"
import { CurrentPrincipal, CurrentTeam } from "./ManagementAuth.ts"

const figures = (stats: RetentionStats, budget: number | undefined, now: number) => ({
  storage_bytes: stats.bytes,
  artifact_count: stats.count,
  max_size_bytes: budget ?? null,
  evicted: { count: stats.evictedCount, bytes: stats.evictedBytes },
  oldest_used_at: stats.oldestUsedAt === null ? null : new Date(stats.oldestUsedAt).toISOString(),
  oldest_age_seconds: stats.oldestUsedAt === null ? null : Math.max(0, Math.floor((now - stats.oldestUsedAt) / 1000))
})

/** `/api/v1/teams/:team/retention` and the purges under `/api/v1/teams/:team/purges`. */
export const RetentionHandlers = HttpApiBuilder.group(
  ManagementApi,
  "retention",
  Effect.fn(function*(handlers) {
    const readIndex = yield* makeIndexReads
    const purges = yield* Purges
    // For `recordActivity`, which the /v8 routes share, and the retention settings.
    const services = yield* Services
    const settings = services.retention
    return handlers
      .handle("getRetention", () =>
        Effect.gen(function*() {
          const team = yield* CurrentTeam
          const [own, cache] = yield* readIndex((index) =>
            Effect.all([index.retentionStats(team.id), index.retentionStats(undefined)], { concurrency: 2 })
          )
          const now = Date.now()
          return {
            team_id: team.id,
            ...figures(own, team.maxSizeBytes, now),
            quota_bytes: team.quotaBytes ?? null,
            ttl_seconds: settings.ttlMs === undefined ? null : Math.floor(settings.ttlMs / 1000),
            cache: figures(cache, settings.maxSizeBytes, now)
          }
        }))
      // Starts the job, records `purge.requested`, answers 202 with the job.
      .handle("startPurge", ({ payload, request }) =>
        Effect.gen(function*() {
          const team = yield* CurrentTeam
          const principal = yield* CurrentPrincipal
          const job = yield* readIndex(() => purges.start(team, "sha" in payload ? { sha: payload.sha } : { all: true }))
          yield* recordActivity(services, request, {
            type: "purge.requested",
            team,
            principal,
            data: { purge_id: job.id, ...("sha" in payload && { sha: payload.sha }) }
          })
          return job
        }))
      .handle("getPurge", ({ params }) =>
        Effect.gen(function*() {
          const team = yield* CurrentTeam
          const job = yield* readIndex(() => purges.get(team, params.id))
          if (Option.isNone(job)) return yield* notFound(`no purge ${params.id} for team ${team.slug}`)
          return job.value
        }))
  })
)
