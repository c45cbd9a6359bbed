import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { rollupHourMs } from "../../index/CacheIndex.ts"
import { checkWindow } from "./events.ts"
import { makeIndexReads } from "./IndexReads.ts"
import { ManagementApi } from "./ManagementApi.ts"
import { CurrentTeam } from "./ManagementAuth.ts"

/** The window analytics cover when the query gives no `from`. */
export const defaultAnalyticsWindowMs = 30 * 24 * 60 * 60 * 1000

const rate = (hits: number, misses: number): number | null => hits + misses === 0 ? null : hits / (hits + misses)

/**
 * `GET /api/v1/teams/:team/analytics`: the team's hourly rollups over the
 * window (default the last 30 days), counted in whole hours: every hour that
 * starts in [`from` rounded down to the hour, `to`). Plus what the team
 * stores now. Reads a few thousand rows at most, whatever the history.
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
        const [totals, usage] = yield* readIndex((index) =>
          Effect.all([index.analytics(team.id, from, to), index.usage(team.id)], { concurrency: 2 })
        )
        return {
          team_id: team.id,
          from: new Date(from).toISOString(),
          to: new Date(to).toISOString(),
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
          rejected_requests: totals.rejected,
          artifact_count: usage.count,
          storage_bytes: usage.bytes
        }
      }))
  })
)
