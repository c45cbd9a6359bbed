import { Effect, Option } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { notFound } from "../ApiError.ts"
import { makeIndexReads } from "./IndexReads.ts"
import { ManagementApi } from "./ManagementApi.ts"
import { CurrentTeam } from "./ManagementAuth.ts"
import { invalidParameter } from "./ManagementError.ts"
import { defaultEventsLimit } from "./schemas.ts"

/** A `from`/`to` window whose end is before its start is a 400 (it could only ever be empty). */
export const checkWindow = (from: number | undefined, to: number | undefined) =>
  from !== undefined && to !== undefined && to < from
    ? Effect.fail(invalidParameter("to", "query", "`to` is before `from`"))
    : Effect.void

/** The team's activity record: `GET /api/v1/teams/:team/events` and `.../events/:id`. */
export const EventsHandlers = HttpApiBuilder.group(
  ManagementApi,
  "events",
  Effect.fn(function*(handlers) {
    const readIndex = yield* makeIndexReads
    return handlers
      // One page of the team's events, newest first.
      .handle("listEvents", ({ query }) =>
        Effect.gen(function*() {
          const team = yield* CurrentTeam
          yield* checkWindow(query.from, query.to)
          const page = yield* readIndex((index) =>
            index.listEvents({
              teamId: team.id,
              limit: query.limit ?? defaultEventsLimit,
              ...(query.type !== undefined && { types: query.type }),
              ...(query.from !== undefined && { from: query.from }),
              ...(query.to !== undefined && { to: query.to }),
              ...(query.cursor !== undefined && { cursor: query.cursor })
            })
          )
          return { events: page.events, next_cursor: page.nextCursor ?? null }
        }))
      // One event; 404 when absent or another team's.
      .handle("getEvent", ({ params }) =>
        Effect.gen(function*() {
          const team = yield* CurrentTeam
          const found = yield* readIndex((index) => index.getEvent(team.id, params.id))
          if (Option.isNone(found)) return yield* notFound(`no event ${params.id} for team ${team.slug}`)
          return found.value
        }))
  })
)
