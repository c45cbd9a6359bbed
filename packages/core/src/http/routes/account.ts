import { Effect, Exit } from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import type { HttpServerRequest } from "effect/http"
import { scopeOn } from "../../access/grants.ts"
import type { Scope } from "../../access/Scope.ts"
import type { Team } from "../../access/Team.ts"
import type { Principal } from "../../auth/Auth.ts"
import { notFound } from "../ApiError.ts"
import { authenticate, searchParams } from "../RequestContext.ts"
import type { Services } from "../Services.ts"

/**
 * The account endpoints `turbo link` calls (`GET /v2/user`, then
 * `GET /v2/teams?limit=100`), in the shapes it parses. The "user" is the token.
 */
export const user = (services: Services) => (request: HttpServerRequest.HttpServerRequest) =>
  Effect.map(authenticate(services, request), (principal) =>
    HttpServerResponse.jsonUnsafe({
      user: {
        id: principal.tokenName,
        username: principal.tokenName,
        email: "",
        name: principal.tokenName,
        createdAt: 0
      }
    }))

/** `GET /v2/teams`: the teams the token may use, with its scope as the membership role. */
export const teams = (services: Services) =>
  Effect.fnUntraced(function*(request: HttpServerRequest.HttpServerRequest) {
    const principal = yield* authenticate(services, request)
    const limit = Math.min(Math.max(Number(searchParams(request).get("limit")) || 100, 1), 100)
    return HttpServerResponse.jsonUnsafe({
      teams: visibleTeams(services, principal).slice(0, limit).map(([team, scope]) => teamJson(team, scope))
    })
  })

/** `GET /v2/teams/:teamId`: one team (turbo's SSO check). */
export const team = (services: Services) =>
  Effect.fnUntraced(function*(request: HttpServerRequest.HttpServerRequest) {
    const principal = yield* authenticate(services, request)
    const { teamId } = yield* HttpRouter.params
    const found = visibleTeams(services, principal).find(([team]) => team.id === teamId || team.slug === teamId)
    if (found === undefined) return yield* notFound(`no team ${teamId}`)
    return HttpServerResponse.jsonUnsafe(teamJson(...found))
  })

/**
 * Configured teams the token has a scope on. Without configured teams, the
 * teams its grants name (a token for every team lists none: there is no list).
 */
const visibleTeams = (services: Services, principal: Principal): ReadonlyArray<readonly [Team, Scope]> => {
  const candidates = services.teams.open
    ? Object.keys(principal.grants).flatMap((name) => {
      const exit = services.teams.resolve({ teamId: name })
      return Exit.isSuccess(exit) ? [exit.value] : []
    })
    : services.teams.teams
  return candidates.flatMap((team) => {
    const scope = scopeOn(principal.grants, team)
    return scope === undefined ? [] : [[team, scope] as const]
  })
}

const roles: Record<Scope, string> = { admin: "OWNER", "read-write": "MEMBER", read: "VIEWER" }

const teamJson = (team: Team, scope: Scope) => ({
  id: team.id,
  slug: team.slug,
  name: team.name,
  createdAt: team.createdAt,
  created: new Date(team.createdAt).toISOString(),
  membership: { role: roles[scope] }
})
