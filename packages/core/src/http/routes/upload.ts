import { Effect } from "effect"
import { HttpServerResponse } from "effect/http"
import type { HttpServerRequest } from "effect/http"
import type { ArtifactMetadata } from "../../domain/ArtifactMetadata.ts"
import { requireCacheOpen } from "../CacheStatus.ts"
import { decodeOrBadRequest } from "../decode.ts"
import { authorizeTeam } from "../RequestContext.ts"
import type { Services } from "../Services.ts"
import { contentLength } from "../storeUpload.ts"
import type { UploaderShape } from "../storeUpload.ts"
import { artifactKey } from "./artifactKey.ts"
import { UploadHeaders } from "./artifactHeaders.ts"

const decodeHeaders = decodeOrBadRequest(UploadHeaders, "artifact headers")

/**
 * `PUT /v8/artifacts/:hash`: streams the body into storage with its metadata.
 * Overwrites are accepted: turbo re-uploads a hash whose signature did not verify.
 * A read-only token gets 403 `forbidden`: turbo then stops uploading for the run.
 */
export const upload = (services: Services, store: UploaderShape) =>
  Effect.fnUntraced(function*(request: HttpServerRequest.HttpServerRequest) {
    const { principal, team } = yield* authorizeTeam(services, request, "write")
    yield* requireCacheOpen(services, team, "write")
    const key = yield* artifactKey(team)
    const headers = yield* decodeHeaders(request.headers)
    const size = yield* contentLength(request, services.config.maxArtifactBytes)
    const metadata: ArtifactMetadata = {
      durationMs: headers["x-artifact-duration"] === undefined ? 0 : Number(headers["x-artifact-duration"]),
      ...(headers["x-artifact-tag"] !== undefined && { tag: headers["x-artifact-tag"] }),
      ...(headers["x-artifact-sha"] !== undefined && { sha: headers["x-artifact-sha"] }),
      ...(headers["x-artifact-dirty-hash"] !== undefined && { dirtyHash: headers["x-artifact-dirty-hash"] }),
      ...(headers["x-artifact-client-ci"] !== undefined && { clientCi: headers["x-artifact-client-ci"] })
    }
    const data = {
      hash: key.hash,
      size,
      duration_ms: metadata.durationMs,
      has_tag: metadata.tag !== undefined,
      ...(metadata.sha !== undefined && { sha: metadata.sha }),
      ...(metadata.dirtyHash !== undefined && { dirty_hash: metadata.dirtyHash })
    }
    yield* store(request, { team, principal, key, size, metadata, data })
    return HttpServerResponse.jsonUnsafe({ urls: [request.url] }, { status: 202 })
  }, Effect.scoped)
