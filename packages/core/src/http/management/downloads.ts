import { Effect, Exit, Option } from "effect"
import { HttpServerResponse } from "effect/http"
import { ApiError, notFound, storageFailure } from "../ApiError.ts"
import { requireCacheOpen } from "../CacheStatus.ts"
import { recordActivity } from "../RequestContext.ts"
import { artifactResponse } from "../routes/download.ts"
import { artifactResponseHeaders } from "../routes/artifactHeaders.ts"
import type { ManagementContext, ManagementHandler } from "./endpoint.ts"
import type { DownloadsGroup } from "./ManagementApi.ts"

type Endpoints = typeof DownloadsGroup.endpoints

const invalidLink = () =>
  new ApiError({
    status: 403,
    code: "invalid_signature",
    message: "this download link is not valid: its signature does not match (was it altered or cut short?)"
  })

const expiredLink = (expiresAt: number) =>
  new ApiError({
    status: 410,
    code: "link_expired",
    message: `this download link expired at ${new Date(expiresAt).toISOString()}; ` +
      "get a fresh one from GET /api/v1/teams/:team/artifacts/:hash",
    details: { expired_at: new Date(expiresAt).toISOString() }
  })

/**
 * `GET /api/v1/downloads/:team/:hash?expires=&signature=` (and HEAD): the artifact a signed link grants,
 * without a bearer token. The signature is checked first (403), then the
 * expiry (410). Streams exactly like `GET /v8/artifacts/:hash` and records
 * `artifact.downloaded` (or `artifact.missed`).
 */
export const download = ({ services, signer }: ManagementContext): ManagementHandler<Endpoints["download"]> =>
({ params, query, request }) =>
  Effect.gen(function*() {
    const verified = signer.verify({ teamId: params.team, hash: params.hash, ...query }, Date.now())
    if (verified._tag === "Invalid") return yield* invalidLink()
    if (verified._tag === "Expired") return yield* expiredLink(verified.grant.expiresAt)
    const { teamId } = verified.grant
    const hash = params.hash
    const resolved = services.teams.resolve({ teamId })
    if (Exit.isFailure(resolved)) return yield* notFound(`team ${teamId} no longer exists`)
    const team = resolved.value
    yield* requireCacheOpen(services, team, "read")
    const key = { namespace: team.id, hash }
    const missing = () =>
      recordActivity(services, request, { type: "artifact.missed", team, principal: undefined, data: { hash } }).pipe(
        Effect.andThen(Effect.fail(notFound(`artifact ${hash} of team ${team.slug} is no longer stored`)))
      )
    const disposition = { "content-disposition": `attachment; filename="${hash}"`, "cache-control": "private, no-store" }
    if (request.method === "HEAD") {
      const info = yield* services.storage.head(key).pipe(
        Effect.catchTag("StorageError", storageFailure("look up the artifact"))
      )
      if (Option.isNone(info)) return yield* missing()
      return HttpServerResponse.empty({ status: 200, headers: { ...artifactResponseHeaders(info.value), ...disposition } })
    }
    const artifact = yield* services.storage.get(key).pipe(
      Effect.catchTag("StorageError", storageFailure("read the artifact"))
    )
    if (Option.isNone(artifact)) return yield* missing()
    const { body, info } = artifact.value
    yield* recordActivity(services, request, {
      type: "artifact.downloaded",
      team,
      principal: undefined,
      data: { hash, size: info.size }
    })
    return HttpServerResponse.setHeaders(artifactResponse(body, info), disposition)
  })
