import { Context, Effect, Layer, Schema } from "effect"
import { HttpRouter, HttpServerRequest } from "effect/http"
import type { HttpApiEndpoint } from "effect/http-api"
import { HttpApiMiddleware } from "effect/http-api"
import type { Permission } from "../../access/Scope.ts"
import type { Team } from "../../access/Team.ts"
import type { Principal } from "../../auth/Auth.ts"
import type { ApiError } from "../ApiError.ts"
import { bearerSecurity } from "../openapi/security.ts"
import { authorizeTeam } from "../RequestContext.ts"
import { Services } from "../Services.ts"
import { invalidRequest, managementError } from "./ManagementError.ts"

/** The token a management request was authenticated with. Provided by `ManagementAuth`. */
export class CurrentPrincipal extends Context.Service<CurrentPrincipal, Principal>()("@hoard/core/CurrentPrincipal") {}

/** The team named by the request's `:team`, which the token may act on. Provided by `ManagementAuth`. */
export class CurrentTeam extends Context.Service<CurrentTeam, Team>()("@hoard/core/CurrentTeam") {}

/** The permission an endpoint needs on its team, as an endpoint annotation: `read` unless set. */
export const RequiredPermission = Context.Reference<Permission>("@hoard/core/RequiredPermission", {
  defaultValue: () => "read"
})

/**
 * Bearer auth for the management endpoints under `/api/v1/teams/:team`:
 * authenticates the token (401, or 429 over its rate limit), resolves `:team`
 * and checks the token's scope on it for the endpoint's `RequiredPermission`
 * (403), then provides `CurrentPrincipal` and `CurrentTeam` to the handler.
 * Refusals are recorded as `auth.rejected`, exactly as on `/v8`
 * (`authorizeTeam` is shared).
 */
export class ManagementAuth extends HttpApiMiddleware.Service<ManagementAuth, {
  provides: CurrentPrincipal | CurrentTeam
}>()("@hoard/core/ManagementAuth", {
  security: { bearer: bearerSecurity },
  error: [managementError(400), managementError(401), managementError(403), managementError(429)]
}) {}

type CheckRequest = Effect.Effect<string, ApiError, HttpRouter.RouteContext | HttpServerRequest.ParsedSearchParams>

const checks = new WeakMap<HttpApiEndpoint.Top, CheckRequest>()

/**
 * Decodes the path and query with the endpoint's own schemas before the token
 * is looked at, as the hand-written routes did: a malformed request is a 400
 * whatever its token, and is neither counted against a rate limit nor recorded
 * as a rejection. (HttpApi runs middleware before it decodes, and decodes
 * again for the handler: a few short strings.) Succeeds with the decoded `:team`.
 */
const checkRequest = (endpoint: HttpApiEndpoint.Top): CheckRequest => {
  const cached = checks.get(endpoint)
  if (cached !== undefined) return cached
  if (endpoint.params === undefined) {
    return Effect.die(new Error(`ManagementAuth needs a :team path parameter (${endpoint.identifier})`))
  }
  const decodeParams = Schema.decodeUnknownEffect(endpoint.params as Schema.Codec<{ readonly team: string }, unknown>)
  const decodeQuery = endpoint.query === undefined
    ? undefined
    : Schema.decodeUnknownEffect(Schema.toCodecArrayFromSingle(endpoint.query as Schema.Codec<unknown, unknown>))
  const check: CheckRequest = Effect.gen(function*() {
    const { params } = yield* HttpRouter.RouteContext
    const { team } = yield* Effect.mapError(decodeParams(params), (error) => invalidRequest("path", error))
    if (decodeQuery !== undefined) {
      const query = yield* HttpServerRequest.ParsedSearchParams
      yield* Effect.mapError(decodeQuery(query), (error) => invalidRequest("query", error))
    }
    return team
  })
  checks.set(endpoint, check)
  return check
}

export const layerManagementAuth = Layer.effect(
  ManagementAuth,
  Effect.gen(function*() {
    const services = yield* Services
    return ManagementAuth.of({
      // The credential HttpApi decoded goes unused: `authorizeTeam` reads the
      // Authorization header itself, so a malformed one gets the same 401 as on /v8.
      bearer: Effect.fnUntraced(function*(httpEffect, { endpoint }) {
        const team = yield* checkRequest(endpoint)
        const request = yield* HttpServerRequest.HttpServerRequest
        const permission = Context.get(endpoint.annotations, RequiredPermission)
        const authorized = yield* authorizeTeam(services, request, permission, team)
        return yield* httpEffect.pipe(
          Effect.provideService(CurrentPrincipal, authorized.principal),
          Effect.provideService(CurrentTeam, authorized.team)
        )
      })
    })
  })
)
