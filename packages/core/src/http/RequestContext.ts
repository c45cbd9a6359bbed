import { Effect } from "effect"
import { HttpServerRequest } from "effect/http"
import type { AuthShape, Principal } from "../auth/Auth.ts"
import { Namespace } from "../domain/Namespace.ts"
import { badRequest, unauthorized } from "./ApiError.ts"
import type { ApiError } from "./ApiError.ts"
import { decodeOrBadRequest } from "./decode.ts"

const decodeNamespace = decodeOrBadRequest(Namespace, "team")

export const searchParams = (request: HttpServerRequest.HttpServerRequest): URLSearchParams => {
  const queryStart = request.url.indexOf("?")
  return new URLSearchParams(queryStart === -1 ? "" : request.url.slice(queryStart + 1))
}

/**
 * The team namespace a request addresses. turbo sends `slug` (TURBO_TEAM) and,
 * when TURBO_TEAMID starts with `team_`, also `teamId`; `teamId` wins when both
 * are present, so a team keeps one namespace once its id is configured.
 */
export const resolveNamespace = (
  request: HttpServerRequest.HttpServerRequest
): Effect.Effect<Namespace, ApiError> => {
  const params = searchParams(request)
  const teamId = params.get("teamId") || undefined
  const slug = params.get("slug") || undefined
  const team = teamId ?? slug
  if (team === undefined) {
    return Effect.fail(badRequest("missing team: pass the teamId or slug query parameter (set TURBO_TEAM)"))
  }
  return decodeNamespace(team)
}

/** Authenticates the request (401 on a missing or wrong token). */
export const authenticate = (
  auth: AuthShape,
  request: HttpServerRequest.HttpServerRequest
): Effect.Effect<Principal, ApiError> =>
  auth.authenticate(request.headers["authorization"]).pipe(
    Effect.mapError((error) => unauthorized(error.message))
  )
