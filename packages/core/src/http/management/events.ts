import { Effect, Option } from "effect"
import { ActivityEvent } from "../../activity/ActivityEvent.ts"
import { notFound, storageFailure } from "../ApiError.ts"
import { authorizeTeam } from "../RequestContext.ts"
import type { ManagementContext, ManagementHandler } from "./endpoint.ts"
import { jsonWith } from "./endpoint.ts"
import type { EventsGroup } from "./ManagementApi.ts"
import { invalidParameter } from "./ManagementError.ts"
import { defaultEventsLimit, EventsPage } from "./schemas.ts"

type Endpoints = typeof EventsGroup.endpoints

const eventsPage = jsonWith(EventsPage)
const event = jsonWith(ActivityEvent)

/** A `from`/`to` window whose end is before its start is a 400 (it could only ever be empty). */
export const checkWindow = (from: number | undefined, to: number | undefined) =>
  from !== undefined && to !== undefined && to < from
    ? Effect.fail(invalidParameter("to", "query", "`to` is before `from`"))
    : Effect.void

/** `GET /api/v1/teams/:team/events`: one page of the team's events, newest first. */
export const listEvents = ({ services }: ManagementContext): ManagementHandler<Endpoints["listEvents"]> =>
({ params, query, request }) =>
  Effect.gen(function*() {
    const { team } = yield* authorizeTeam(services, request, "read", params.team)
    yield* checkWindow(query.from, query.to)
    const page = yield* services.activity.list({
      teamId: team.id,
      limit: query.limit ?? defaultEventsLimit,
      ...(query.type !== undefined && { types: query.type }),
      ...(query.from !== undefined && { from: query.from }),
      ...(query.to !== undefined && { to: query.to }),
      ...(query.cursor !== undefined && { cursor: query.cursor })
    }).pipe(Effect.catchTag("StorageError", storageFailure("read the activity record")))
    return eventsPage({ events: page.events, next_cursor: page.nextCursor ?? null })
  })

/** `GET /api/v1/teams/:team/events/:id`: one event; 404 when absent or another team's. */
export const getEvent = ({ services }: ManagementContext): ManagementHandler<Endpoints["getEvent"]> =>
({ params, request }) =>
  Effect.gen(function*() {
    const { team } = yield* authorizeTeam(services, request, "read", params.team)
    const found = yield* services.activity.get(params.id).pipe(
      Effect.catchTag("StorageError", storageFailure("read the activity record"))
    )
    if (Option.isNone(found) || found.value.team_id !== team.id) {
      return yield* notFound(`no event ${params.id} for team ${team.slug}`)
    }
    return event(found.value)
  })
