import { Effect } from "effect"
import { HttpServerResponse } from "effect/http"
import type { HttpServerRequest } from "effect/http"
import { teamStatus } from "../CacheStatus.ts"
import { authenticate, authorizeTeam, teamParams } from "../RequestContext.ts"
import type { Services } from "../Services.ts"

/**
 * `GET /v8/artifacts/status`: the team's state (`enabled`, `disabled`,
 * `paused`, `over_limit`). turbo sends `Content-Type: application/json` with
 * an empty body here: the body is never read.
 */
export const status = (services: Services) =>
  Effect.fnUntraced(function*(request: HttpServerRequest.HttpServerRequest) {
    const { slug, teamId } = teamParams(request)
    if (slug === undefined && teamId === undefined) {
      yield* authenticate(services, request)
      return HttpServerResponse.jsonUnsafe({ status: "enabled" })
    }
    const { team } = yield* authorizeTeam(services, request, "read")
    return HttpServerResponse.jsonUnsafe({ status: yield* teamStatus(services, team) })
  })
