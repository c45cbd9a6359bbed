import { Effect, Option } from "effect"
import type { Scope } from "effect"
import { Headers, HttpRouter, HttpServerResponse } from "effect/http"
import type { HttpServerRequest } from "effect/http"
import type { Permission } from "../../access/Scope.ts"
import type { Team } from "../../access/Team.ts"
import type { Principal } from "../../auth/Auth.ts"
import { basicPassword } from "../../auth/bearer.ts"
import type { ArtifactHash } from "../../domain/ArtifactHash.ts"
import type { BuildTool, ToolKeyKind } from "../../domain/ToolKey.ts"
import { toolKey } from "../../domain/ToolKey.ts"
import type { ArtifactKey } from "../../storage/ArtifactStorage.ts"
import { ApiError, badRequest, storageFailure, unauthorized } from "../ApiError.ts"
import { requireCacheOpen } from "../CacheStatus.ts"
import { authenticate, authorizePrincipal, recordActivity } from "../RequestContext.ts"
import { RequestState } from "../RequestState.ts"
import { serveArtifact } from "../routes/download.ts"
import type { Services } from "../Services.ts"
import { contentLength } from "../storeUpload.ts"
import type { UploadTarget } from "../storeUpload.ts"

/**
 * What the protocols of other build tools (Nx, Gradle, ccache, Bazel) share:
 * credentials, the team from the base URL, and reading, writing and deleting
 * one entry through the same storage, budgets and activity record as turbo's
 * `/v8`. Each protocol module adds its paths, its success codes and how its
 * client must be answered when something is refused.
 */

/** The request with Basic credentials (Gradle, ccache, Bazel URLs) turned into the bearer token they carry. */
export const withBearerCredentials = (request: HttpServerRequest.HttpServerRequest): HttpServerRequest.HttpServerRequest => {
  const password = basicPassword(request.headers["authorization"])
  return password === undefined || password === ""
    ? request
    : request.modify({ headers: Headers.set(request.headers, "authorization", `Bearer ${password}`) })
}

/** One entry a tool's request addresses. */
export interface ToolEntry {
  readonly tool: BuildTool
  /** The team its base URL names, or undefined for a URL without one (Nx's bare server URL). */
  readonly team: string | undefined
  readonly hash: ArtifactHash
}

/**
 * The entry a route addresses: the `team` path parameter and the key made of
 * `keyParams` (joined, e.g. ccache's `ab/cdef…`), 400 when the key is invalid.
 */
export const entryOf = (
  tool: BuildTool,
  kind: ToolKeyKind,
  keyParams: ReadonlyArray<string>
): Effect.Effect<ToolEntry, ApiError, HttpRouter.RouteContext> =>
  Effect.flatMap(HttpRouter.params, (params) => {
    const key = keyParams.map((name) => params[name] ?? "").join("")
    const hash = toolKey(kind, key)
    return hash === undefined
      ? Effect.fail(badRequest(`invalid ${tool} cache key: 2 to 128 letters and digits`))
      : Effect.succeed({ tool, team: params["team"], hash })
  })

const onlyTeamOf = (principal: Principal): string | undefined => {
  const teams = Object.keys(principal.grants)
  return teams.length === 1 && teams[0] !== "*" ? teams[0] : undefined
}

/**
 * Authenticates the request and checks its token may act on the entry's team
 * (or, when the URL names none, on the one team the token is bound to), and
 * that the team's cache is open for it.
 */
export const authorizeEntry = Effect.fnUntraced(function*(
  services: Services,
  request: HttpServerRequest.HttpServerRequest,
  entry: ToolEntry,
  permission: Permission
): Effect.fn.Return<{ readonly principal: Principal; readonly team: Team; readonly key: ArtifactKey }, ApiError> {
  const principal = yield* authenticate(services, request)
  const teamRef = entry.team ?? onlyTeamOf(principal)
  if (teamRef === undefined) {
    return yield* unauthorized(
      `token ${principal.tokenName} is not bound to exactly one team: put the team in the URL (/${entry.tool}/<team>)`
    )
  }
  const { team } = yield* authorizePrincipal(services, request, principal, permission, { teamId: teamRef })
  yield* requireCacheOpen(services, team, permission)
  return { principal, team, key: { namespace: team.id, hash: entry.hash } }
})

/** GET or HEAD of an entry: its bytes with 200, or `missing`. */
export const readEntry = (
  services: Services,
  request: HttpServerRequest.HttpServerRequest,
  entry: ToolEntry,
  missing: HttpServerResponse.HttpServerResponse
): Effect.Effect<HttpServerResponse.HttpServerResponse, ApiError, Scope.Scope> =>
  Effect.flatMap(authorizeEntry(services, request, entry, "read"), ({ key, principal, team }) =>
    serveArtifact(services, request, { team, principal, key, data: { tool: entry.tool }, missing: Effect.succeed(missing) }))

export interface WriteOptions {
  /** Refuse to replace a stored entry (Nx's records are write-once): 409. */
  readonly writeOnce?: boolean
  /** Checks the bytes as they stream (Bazel's content digest); see `UploadTarget.check`. */
  readonly check?: UploadTarget["check"]
}

/** PUT of an entry: streamed into storage within the budgets, or refused. */
export const writeEntry = Effect.fnUntraced(function*(
  services: Services,
  store: (request: HttpServerRequest.HttpServerRequest, target: UploadTarget) => Effect.Effect<void, ApiError, Scope.Scope>,
  request: HttpServerRequest.HttpServerRequest,
  entry: ToolEntry,
  options: WriteOptions = {}
): Effect.fn.Return<void, ApiError, Scope.Scope> {
  const { key, principal, team } = yield* authorizeEntry(services, request, entry, "write")
  const size = yield* contentLength(request, services.config.maxArtifactBytes)
  if (options.writeOnce === true) {
    const stored = yield* services.storage.head(key).pipe(Effect.catchTag("StorageError", storageFailure("look up the artifact")))
    if (Option.isSome(stored)) {
      return yield* new ApiError({ status: 409, code: "conflict", message: "Cannot override an existing record" })
    }
  }
  yield* store(request, {
    team,
    principal,
    key,
    size,
    metadata: { durationMs: 0 },
    data: { hash: key.hash, size, tool: entry.tool },
    ...(options.check !== undefined && { check: options.check })
  })
}, Effect.scoped)

/** DELETE of an entry (ccache): `true` when there was one. Needs a token that may write. */
export const deleteEntry = Effect.fnUntraced(function*(
  services: Services,
  request: HttpServerRequest.HttpServerRequest,
  entry: ToolEntry
): Effect.fn.Return<boolean, ApiError> {
  const { key, principal, team } = yield* authorizeEntry(services, request, entry, "write")
  const deleted = yield* services.storage.delete(key).pipe(Effect.catchTag("StorageError", storageFailure("delete the artifact")))
  if (!deleted) return false
  yield* recordActivity(services, request, { type: "artifact.deleted", team, principal, data: { hash: key.hash, tool: entry.tool } })
  services.usage.invalidate(team)
  return true
})

/**
 * A plain-text answer: what these clients show their users (Nx requires
 * `text/plain` on a 401). A 5xx carries the request id, never the cause.
 */
export const textAnswer = (
  status: number,
  message: string,
  headers?: Readonly<Record<string, string>>
): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.text(`${message}\n`, { status, ...(headers !== undefined && { headers }) })

export const errorText = (error: ApiError, requestId: string): HttpServerResponse.HttpServerResponse =>
  textAnswer(error.status, error.status >= 500 ? `${error.message} (request ${requestId})` : error.message, error.headers)

/** The challenge of a 401 on the routes that take Basic credentials (Gradle, ccache and Bazel send them unasked). */
export const basicChallenge = { "www-authenticate": "Basic realm=\"Hoard\", charset=\"UTF-8\"" } as const

/** A miss on every tool's routes but Nx's. */
export const noSuchEntry = textAnswer(404, "no such cache entry")

/** How a protocol answers an `ApiError`: its own status and body for its client. */
export type ErrorAnswer = (error: ApiError, requestId: string) => Effect.Effect<HttpServerResponse.HttpServerResponse>

/** Plain text with the error's own status. */
export const plainErrors: ErrorAnswer = (error, requestId) => Effect.succeed(errorText(error, requestId))

/** Plain text with the error's own status; a 401 with the Basic challenge. */
export const challengingErrors: ErrorAnswer = (error, requestId) =>
  Effect.succeed(error.status === 401 ? textAnswer(401, error.message, basicChallenge) : errorText(error, requestId))

/**
 * A tool's route handler: addresses the entry from the path, handles the
 * request with Basic credentials read as a bearer token, and answers every
 * refusal or failure the protocol's way.
 */
export const toolRoute = (
  address: Effect.Effect<ToolEntry, ApiError, HttpRouter.RouteContext>,
  handle: (
    entry: ToolEntry,
    request: HttpServerRequest.HttpServerRequest
  ) => Effect.Effect<HttpServerResponse.HttpServerResponse, ApiError, Scope.Scope>,
  answer: ErrorAnswer = plainErrors
) =>
(
  request: HttpServerRequest.HttpServerRequest
): Effect.Effect<HttpServerResponse.HttpServerResponse, never, HttpRouter.RouteContext | Scope.Scope> =>
  Effect.flatMap(address, (entry) => handle(entry, withBearerCredentials(request))).pipe(
    Effect.catchTag("ApiError", (error) => Effect.flatMap(RequestState, ({ requestId }) => answer(error, requestId)))
  )
