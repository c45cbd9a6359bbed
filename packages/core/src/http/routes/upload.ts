import { Cause, Effect, Exit } from "effect"
import { HttpServerResponse } from "effect/http"
import type { HttpServerRequest } from "effect/http"
import type { ArtifactMetadata } from "../../domain/ArtifactMetadata.ts"
import { badRequest, lengthRequired, payloadTooLarge, storageFailure } from "../ApiError.ts"
import { uploadBody } from "../body.ts"
import { requireMinimumRate } from "../uploadRate.ts"
import { makeUploadSlots } from "../uploadSlots.ts"
import { requireCacheOpen } from "../CacheStatus.ts"
import { makeStorageBudget } from "../StorageBudget.ts"
import { decodeOrBadRequest } from "../decode.ts"
import { authorizeTeam, recordActivity } from "../RequestContext.ts"
import type { Services } from "../Services.ts"
import { countArtifactBytes } from "../../observability/metrics.ts"
import { artifactKey } from "./artifactKey.ts"
import { UploadHeaders } from "./artifactHeaders.ts"

const decodeHeaders = decodeOrBadRequest(UploadHeaders, "artifact headers")

/**
 * `PUT /v8/artifacts/:hash`: streams the body into storage with its metadata.
 * Overwrites are accepted: turbo re-uploads a hash whose signature did not verify.
 * A read-only token gets 403 `forbidden`: turbo then stops uploading for the run.
 */
export const upload = (services: Services) => {
  const { config } = services
  const slots = makeUploadSlots({ total: config.maxConcurrentUploads, perToken: config.maxConcurrentUploadsPerToken })
  const budget = makeStorageBudget(services)
  const minimumRate = { minBytesPerSecond: config.minUploadBytesPerSecond, windowMillis: config.uploadRateWindowSeconds * 1000 }
  return (request: HttpServerRequest.HttpServerRequest) =>
    Effect.gen(function*() {
      const { principal, team } = yield* authorizeTeam(services, request, "write")
      yield* requireCacheOpen(services, team, "write")
      const key = yield* artifactKey(team)
      const headers = yield* decodeHeaders(request.headers)
      const size = yield* contentLength(request, services.config.maxArtifactBytes)
      yield* budget.admit(team, size)
      const metadata: ArtifactMetadata = {
        durationMs: headers["x-artifact-duration"] === undefined ? 0 : Number(headers["x-artifact-duration"]),
        ...(headers["x-artifact-tag"] !== undefined && { tag: headers["x-artifact-tag"] }),
        ...(headers["x-artifact-sha"] !== undefined && { sha: headers["x-artifact-sha"] }),
        ...(headers["x-artifact-dirty-hash"] !== undefined && { dirtyHash: headers["x-artifact-dirty-hash"] }),
        ...(headers["x-artifact-client-ci"] !== undefined && { clientCi: headers["x-artifact-client-ci"] })
      }
      const details = {
        hash: key.hash,
        size,
        duration_ms: metadata.durationMs,
        has_tag: metadata.tag !== undefined,
        ...(metadata.sha !== undefined && { sha: metadata.sha }),
        ...(metadata.dirtyHash !== undefined && { dirty_hash: metadata.dirtyHash })
      }
      // Held until the upload has been stored or has failed (the scope below).
      yield* slots.acquire(principal.tokenName)
      yield* recordActivity(services, request, { type: "artifact.upload_started", team, principal, data: details })
      yield* services.storage.put(key, requireMinimumRate(uploadBody(request), minimumRate), { size, metadata }).pipe(
        Effect.onExit((exit) =>
          Exit.isSuccess(exit)
            ? Effect.sync(() => services.usage.added(team, size)).pipe(
              Effect.andThen(countArtifactBytes(services.teamLabels.of(team.id), "in", size)),
              Effect.andThen(recordActivity(services, request, { type: "artifact.uploaded", team, principal, data: details })),
              Effect.andThen(budget.stored(team))
            )
            : recordActivity(services, request, {
              type: "artifact.upload_failed",
              team,
              principal,
              data: { ...details, reason: failureReason(exit.cause) }
            })
        ),
        Effect.catchTag("StorageError", storageFailure("store the artifact"))
      )
      return HttpServerResponse.jsonUnsafe({ urls: [request.url] }, { status: 202 })
    }).pipe(Effect.scoped)
}

const failureReason = (cause: Cause.Cause<unknown>): string => {
  if (Cause.hasInterruptsOnly(cause)) return "the upload was interrupted"
  const error = Cause.squash(cause)
  return error instanceof Error ? error.message : String(error)
}

const contentLength = (request: HttpServerRequest.HttpServerRequest, maxBytes: number) => {
  const header = request.headers["content-length"]
  if (header === undefined) {
    return Effect.fail(lengthRequired("Content-Length is required: artifacts are uploaded with a known size"))
  }
  if (!/^[0-9]{1,16}$/u.test(header)) return Effect.fail(badRequest(`invalid Content-Length: ${header}`))
  const size = Number(header)
  if (size > maxBytes) {
    return Effect.fail(payloadTooLarge(`the artifact is ${size} bytes; this server accepts at most ${maxBytes}`))
  }
  return Effect.succeed(size)
}
