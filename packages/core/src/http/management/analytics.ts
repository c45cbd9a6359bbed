import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { emptyRollupTotals, rollupHourMs } from "../../index/CacheIndex.ts"
import type { RollupTotals } from "../../index/CacheIndex.ts"
import { invalidParameter } from "./ManagementError.ts"
import { checkWindow } from "./events.ts"
import { makeIndexReads } from "./IndexReads.ts"
import { ManagementApi } from "./ManagementApi.ts"
import { CurrentTeam } from "./ManagementAuth.ts"
import { bucketMs, maxAnalyticsBuckets } from "./schemas.ts"

/** The window analytics cover when the query gives no `from`. */
export const defaultAnalyticsWindowMs = 30 * 24 * 60 * 60 * 1000

const rate = (hits: number, misses: number): number | null => hits + misses === 0 ? null : hits / (hits + misses)


/** The API's figures of a window's (or a bucket's) rollups. */
const summary = (totals: RollupTotals) => ({
  hits: totals.hits,
  misses: totals.misses,
  hit_rate: {
    local: rate(totals.hits.local, totals.misses.local),
    remote: rate(totals.hits.remote, totals.misses.remote)
  },
  time_saved_ms: totals.time_saved_ms,
  uploads: totals.uploads,
  downloads: totals.downloads,
  bytes_uploaded: totals.bytes_uploaded,
  bytes_downloaded: totals.bytes_downloaded,
  rejected_requests: totals.rejected
})

/**
 * `GET /api/v1/teams/:team/analytics`: the team's hourly rollups over the
 * window (default the last 30 days), counted in whole hours: every hour that
 * starts in [`from` rounded down to the hour, `to`). Plus what the team
 * stores now; with `bucket`, the same per bucket (one grouped scan). Reads a
 * few thousand rows at most, whatever the history.
 */
export const AnalyticsHandlers = HttpApiBuilder.group(
  ManagementApi,
  "analytics",
  Effect.fn(function*(handlers) {
    const readIndex = yield* makeIndexReads
    return handlers.handle("getAnalytics", ({ query }) =>
      Effect.gen(function*() {
        const team = yield* CurrentTeam
        yield* checkWindow(query.from, query.to)
        const to = query.to ?? Date.now()
        const from = Math.floor((query.from ?? to - defaultAnalyticsWindowMs) / rollupHourMs) * rollupHourMs
        const size = query.bucket === undefined ? undefined : bucketMs[query.bucket]
        const count = size === undefined ? 0 : Math.ceil((to - from) / size)
        if (count > maxAnalyticsBuckets) {
          return yield* invalidParameter("bucket", "query", `the window holds ${count} buckets of a ${query.bucket}; at most ${maxAnalyticsBuckets}`)
        }
        const [totals, usage, buckets] = yield* readIndex((index) =>
          Effect.all([
            index.analytics(team.id, from, to),
            index.usage(team.id),
            size === undefined ? Effect.succeed([]) : index.analyticsBuckets(team.id, from, to, size)
          ], { concurrency: 3 })
        )
        const byStart = new Map(buckets.map((bucket) => [bucket.start, bucket]))
        return {
          team_id: team.id,
          from: new Date(from).toISOString(),
          to: new Date(to).toISOString(),
          ...summary(totals),
          artifact_count: usage.count,
          storage_bytes: usage.bytes,
          ...(size !== undefined && {
            buckets: Array.from({ length: count }, (_, index) => {
              const start = from + index * size
              return { start: new Date(start).toISOString(), ...summary(byStart.get(start) ?? emptyRollupTotals) }
            })
          })
        }
      }))
  })
)
