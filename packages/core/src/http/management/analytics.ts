import { Effect, Stream } from "effect"
import { summarizeActivity } from "../../activity/analytics.ts"
import { storageFailure } from "../ApiError.ts"
import { authorizeTeam } from "../RequestContext.ts"
import type { ManagementContext, ManagementHandler } from "./endpoint.ts"
import { jsonWith } from "./endpoint.ts"
import { checkWindow } from "./events.ts"
import type { AnalyticsGroup } from "./ManagementApi.ts"
import { Analytics } from "./schemas.ts"

type Endpoints = typeof AnalyticsGroup.endpoints

const analytics = jsonWith(Analytics)

/** The window analytics cover when the query gives no `from`. */
export const defaultAnalyticsWindowMs = 30 * 24 * 60 * 60 * 1000

/**
 * `GET /api/v1/teams/:team/analytics`: `summarizeActivity` over the window's
 * events (`from` inclusive, `to` exclusive; default the last 30 days), plus
 * what the team stores now.
 */
export const getAnalytics = ({ services }: ManagementContext): ManagementHandler<Endpoints["getAnalytics"]> =>
({ params, query, request }) =>
  Effect.gen(function*() {
    const { team } = yield* authorizeTeam(services, request, "read", params.team)
    yield* checkWindow(query.from, query.to)
    const to = query.to ?? Date.now()
    const from = query.from ?? to - defaultAnalyticsWindowMs
    const [events, usage] = yield* Effect.all([
      Stream.runCollect(services.activity.scan({ teamId: team.id, from, to })).pipe(
        Effect.catchTag("StorageError", storageFailure("read the activity record"))
      ),
      services.usage.usedBytes(team).pipe(Effect.catchTag("StorageError", storageFailure("measure the team's storage")))
    ], { concurrency: 2 })
    return analytics({
      team_id: team.id,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      ...summarizeActivity(events),
      artifact_count: usage.count,
      storage_bytes: usage.bytes
    })
  })
