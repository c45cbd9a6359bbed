import { Effect, Option } from "effect"
import { ActivityEvent } from "../../activity/ActivityEvent.ts"
import { notFound } from "../ApiError.ts"
import { authorizeTeam } from "../RequestContext.ts"
import type { ManagementContext, ManagementHandler } from "./endpoint.ts"
import { jsonWith, readIndex } from "./endpoint.ts"
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
    const page = yield* readIndex(services, services.index.listEvents({
      teamId: team.id,
      limit: query.limit ?? defaultEventsLimit,
      ...(query.type !== undefined && { types: query.type }),
      ...(query.from !== undefined && { from: query.from }),
      ...(query.to !== undefined && { to: query.to }),
      ...(query.cursor !== undefined && { cursor: query.cursor })
    }))
    return eventsPage({ events: page.events, next_cursor: page.nextCursor ?? null })
  })

/** `GET /api/v1/teams/:team/events/:id`: one event; 404 when absent or another team's. */
export const getEvent = ({ services }: ManagementContext): ManagementHandler<Endpoints["getEvent"]> =>
({ params, request }) =>
  Effect.gen(function*() {
    const { team } = yield* authorizeTeam(services, request, "read", params.team)
    const found = yield* readIndex(services, services.index.getEvent(team.id, params.id))
    if (Option.isNone(found)) {
      return yield* notFound(`no event ${params.id} for team ${team.slug}`)
    }
    return event(found.value)
  })
