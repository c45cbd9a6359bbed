import { Effect, Exit } from "effect"
import type { Cause } from "effect"
import type { HttpServerRequest } from "effect/http"
import { scopeOn } from "../access/grants.ts"
import type { Permission } from "../access/Scope.ts"
import { scopeAllows } from "../access/Scope.ts"
import type { Team } from "../access/Team.ts"
import type { TeamLookupFailure, TeamParams } from "../access/TeamDirectory.ts"
import type { ActivityEventData, ActivityEventType } from "../activity/ActivityEvent.ts"
import type { Principal, Unauthorized } from "../auth/Auth.ts"
import type { RecordOptions } from "../index/IndexWriter.ts"
import { badRequest, forbidden, tooManyRequests, unauthorized } from "./ApiError.ts"
import type { ApiError } from "./ApiError.ts"
import { RequestState } from "./RequestState.ts"
import type { Services } from "./Services.ts"

export const searchParams = (request: HttpServerRequest.HttpServerRequest): URLSearchParams => {
  const queryStart = request.url.indexOf("?")
  return new URLSearchParams(queryStart === -1 ? "" : request.url.slice(queryStart + 1))
}

/** The `teamId` and `slug` query parameters turbo sends. */
export const teamParams = (request: HttpServerRequest.HttpServerRequest): TeamParams => {
  const params = searchParams(request)
  return { teamId: params.get("teamId") || undefined, slug: params.get("slug") || undefined }
}

/** What every event about a request carries: the token's name, the user agent and the CI turbo reported. */
export const requestDetails = (
  request: HttpServerRequest.HttpServerRequest,
  principal: Principal | undefined
): ActivityEventData => {
  const userAgent = request.headers["user-agent"]
  const clientCi = request.headers["x-artifact-client-ci"]
  return {
    ...(principal !== undefined && { token_name: principal.tokenName }),
    ...(userAgent !== undefined && { user_agent: userAgent.slice(0, 256) }),
    ...(clientCi !== undefined && { client_ci: clientCi.slice(0, 256) })
  }
}

/**
 * Misses are turbo's most common answer: each one still updates its
 * artifact's record (a hash storage lost reads as missing), but the activity
 * record keeps only a sample, so a cold CI run neither floods it nor pays an
 * insert per miss. (Analytics count turbo's own `usage.miss` events.)
 */
export const missSampling: RecordOptions = { sampled: true }

/** Records one activity event about this request (queued for the cache index; never waits). */
export const recordActivity = (
  services: Services,
  request: HttpServerRequest.HttpServerRequest,
  event: {
    readonly type: ActivityEventType
    readonly team: Team | undefined
    readonly principal: Principal | undefined
    readonly data?: ActivityEventData
  },
  options?: RecordOptions
): Effect.Effect<void> =>
  Effect.withFiber((fiber) =>
    services.writer.record([{
      event_type: event.type,
      created_at: Date.now(),
      ...(event.team !== undefined && { team_id: event.team.id }),
      data: {
        method: request.method,
        path: request.url.split("?", 1)[0]!.slice(0, 512),
        request_id: fiber.getRef(RequestState).requestId,
        ...requestDetails(request, event.principal),
        ...event.data
      }
    }], options))

/**
 * Authenticates the request: 401 on a missing or wrong token, 429 when the
 * token has used up its request budget (its standing goes into the response's
 * X-RateLimit headers).
 */
export const authenticate = (
  services: Services,
  request: HttpServerRequest.HttpServerRequest
): Effect.Effect<Principal, ApiError> => {
  const authenticated = services.auth.authenticate(request.headers["authorization"])
  // A static token is checked at once, so its answer is already an Exit: it
  // is read here rather than run. (A JWT is verified asynchronously.)
  return Exit.isExit(authenticated)
    ? authenticatedAs(services, request, authenticated as Exit.Exit<Principal, Unauthorized>)
    : Effect.flatMap(Effect.exit(authenticated), (exit) => authenticatedAs(services, request, exit))
}

/** What follows a token check: the 401 (recorded), or the principal noted in the request's state and its budget consumed. */
const authenticatedAs = (
  services: Services,
  request: HttpServerRequest.HttpServerRequest,
  exit: Exit.Exit<Principal, Unauthorized>
): Effect.Effect<Principal, ApiError> => {
  if (Exit.isFailure(exit)) {
    const error = Exit.findErrorOption(exit)
    // No Unauthorized in it: a defect or an interruption, passed on as it is.
    if (error._tag === "None") return Effect.failCause(exit.cause as Cause.Cause<never>)
    return Effect.andThen(
      recordActivity(services, request, {
        type: "auth.rejected",
        team: teamOrUndefined(services, teamParams(request)),
        principal: undefined,
        data: { status: 401, reason: error.value.message }
      }, { sampled: true }),
      Effect.fail(unauthorized(error.value.message))
    )
  }
  const principal = exit.value
  return Effect.withFiber((fiber) => {
    fiber.getRef(RequestState).tokenName = principal.tokenName
    return principal.rateLimit === undefined ? Effect.succeed(principal) : Effect.as(consumeBudget(services, principal), principal)
  })
}

const consumeBudget = Effect.fnUntraced(function*(services: Services, principal: Principal) {
  const state = yield* RequestState
  const budget = principal.rateLimit!
  return yield* services.rateLimits.consume(principal.tokenName, budget).pipe(
    Effect.tap((standing) => Effect.sync(() => state.rateLimit = standing)),
    Effect.catch((limited) => {
      state.rateLimit = limited
      return Effect.fail(tooManyRequests(
        `token ${principal.tokenName} is over its rate limit of ${limited.limit} requests per ${budget.per}`,
        limited.retryAfterMs
      ))
    })
  )
})

const teamOrUndefined = (services: Services, params: TeamParams): Team | undefined => {
  const exit = services.teams.resolve(params)
  return Exit.isSuccess(exit) ? exit.value : undefined
}

const lookupError = (failure: TeamLookupFailure): ApiError => {
  switch (failure._tag) {
    case "MissingTeam":
      return badRequest("missing team: pass the teamId or slug query parameter (set TURBO_TEAM)")
    case "InvalidTeam":
      return badRequest(
        `invalid team "${failure.team}": 1 to 128 letters, digits, '_', '-' or '.', not starting with '.' or '_hoard'`
      )
    case "UnknownTeam":
      return forbidden(`unknown team "${failure.team}"`)
    case "TeamMismatch":
      return badRequest(`teamId "${failure.teamId}" and slug "${failure.slug}" name different teams`)
  }
}

const permissionWords: Record<Permission, string> = { read: "read", write: "upload to", admin: "administer" }

/**
 * Authenticates the request and checks that its token may act on the team it
 * addresses (`team`, an id or slug, or else the `teamId`/`slug` query
 * parameters). 401, 403 `forbidden` and 429 are recorded as `auth.rejected`.
 */
export const authorizeTeam = (
  services: Services,
  request: HttpServerRequest.HttpServerRequest,
  permission: Permission,
  team?: string
): Effect.Effect<{ readonly principal: Principal; readonly team: Team }, ApiError> =>
  Effect.flatMap(
    authenticate(services, request),
    (principal) => authorizePrincipal(services, request, principal, permission, team === undefined ? teamParams(request) : { teamId: team })
  )

/**
 * Checks that an authenticated principal may act on the team `params` name:
 * 400 for a missing or malformed team, 403 `forbidden` (recorded as
 * `auth.rejected`) for an unknown one or one out of the token's scope.
 */
export const authorizePrincipal = (
  services: Services,
  request: HttpServerRequest.HttpServerRequest,
  principal: Principal,
  permission: Permission,
  params: TeamParams
): Effect.Effect<{ readonly principal: Principal; readonly team: Team }, ApiError> =>
  Effect.withFiber((fiber) => {
    const resolved = services.teams.resolve(params)
    if (Exit.isFailure(resolved)) {
      const failure = Exit.findErrorOption(resolved)
      const error = failure._tag === "Some" ? lookupError(failure.value) : badRequest("invalid team")
      return error.status === 403 ? rejected(services, request, principal, undefined, error) : Effect.fail(error)
    }
    const team = resolved.value
    fiber.getRef(RequestState).team = team.slug
    const scope = scopeOn(principal.grants, team)
    if (scope === undefined || !scopeAllows(scope, permission)) {
      return rejected(services, request, principal, team, forbidden(
        scope === undefined
          ? `token ${principal.tokenName} has no access to team ${team.slug}`
          : `token ${principal.tokenName} may not ${permissionWords[permission]} team ${team.slug} (its scope is ${scope})`
      ))
    }
    return Effect.succeed({ principal, team })
  })

/** Records the refusal as `auth.rejected`, then fails with it. */
const rejected = (
  services: Services,
  request: HttpServerRequest.HttpServerRequest,
  principal: Principal,
  team: Team | undefined,
  error: ApiError
): Effect.Effect<never, ApiError> =>
  Effect.andThen(
    recordActivity(services, request, {
      type: "auth.rejected",
      team,
      principal,
      data: { status: error.status, reason: error.message }
    }),
    Effect.fail(error)
  )
