import { Effect, Exit } from "effect"
import { HttpServerResponse } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import { TeamDirectory } from "../../access/TeamDirectory.ts"
import { HoardConfig } from "../../HoardConfig.ts"
import { ApiError, notFound } from "../ApiError.ts"
import { requireCacheOpen } from "../CacheStatus.ts"
import { serveArtifact } from "../routes/download.ts"
import { Services } from "../Services.ts"
import { ManagementApi } from "./ManagementApi.ts"
import { makeDownloadSigner } from "./SignedUrls.ts"

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
 * `GET /api/v1/downloads/:team/:hash?expires=&signature=` (and HEAD): the
 * artifact a signed link grants, without a bearer token. The signature is
 * checked first (403), then the expiry (410). Streams exactly like
 * `GET /v8/artifacts/:hash` and records `artifact.downloaded` (or
 * `artifact.missed`).
 *
 * A raw handler: it answers with an `HttpServerResponse` of its own, the
 * storage stream with its exact `content-length` and `x-artifact-*` headers,
 * as `/v8` does. HttpApi's encoding of the documented
 * `WithHeaders(StreamUint8Array)` success would send it chunked.
 */
export const DownloadsHandlers = HttpApiBuilder.group(
  ManagementApi,
  "downloads",
  Effect.fn(function*(handlers) {
    const teams = yield* TeamDirectory
    const signer = makeDownloadSigner(yield* HoardConfig)
    // For `requireCacheOpen` and `serveArtifact`, which the /v8 routes share.
    const services = yield* Services
    return handlers.handleRaw("download", Effect.fnUntraced(function*({ params, query, request }) {
      const verified = signer.verify({ teamId: params.team, hash: params.hash, ...query }, Date.now())
      if (verified._tag === "Invalid") return yield* invalidLink()
      if (verified._tag === "Expired") return yield* expiredLink(verified.grant.expiresAt)
      const { teamId } = verified.grant
      const hash = params.hash
      const resolved = teams.resolve({ teamId })
      if (Exit.isFailure(resolved)) return yield* notFound(`team ${teamId} no longer exists`)
      const team = resolved.value
      yield* requireCacheOpen(services, team, "read")
      const response = yield* serveArtifact(services, request, {
        team,
        principal: undefined,
        key: { namespace: team.id, hash },
        missing: Effect.failSync(() => notFound(`artifact ${hash} of team ${team.slug} is no longer stored`))
      })
      return HttpServerResponse.setHeaders(response, {
        "content-disposition": `attachment; filename="${hash}"`,
        "cache-control": "private, no-store"
      })
    }))
  })
)
