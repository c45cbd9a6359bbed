import { Effect, Option, Stream } from "effect"
import { HttpServerResponse } from "effect/http"
import type { HttpServerRequest } from "effect/http"
import type { ArtifactInfo } from "../../domain/ArtifactMetadata.ts"
import { notFound, storageFailure } from "../ApiError.ts"
import { requireCacheOpen } from "../CacheStatus.ts"
import { authorizeTeam, recordActivity } from "../RequestContext.ts"
import type { Services } from "../Services.ts"
import { artifactKey } from "./artifactKey.ts"
import { artifactResponseHeaders } from "./artifactHeaders.ts"

/**
 * `GET` and `HEAD /v8/artifacts/:hash`: the stored bytes with their metadata
 * headers, or 404. A GET is the first request turbo sends per task, so a miss
 * must be cheap.
 */
export const download = (services: Services) => (request: HttpServerRequest.HttpServerRequest) =>
  Effect.gen(function*() {
    const { principal, team } = yield* authorizeTeam(services, request, "read")
    yield* requireCacheOpen(services, team, "read")
    const key = yield* artifactKey(team)
    const missing = () =>
      recordActivity(services, request, { type: "artifact.missed", team, principal, data: { hash: key.hash } }).pipe(
        Effect.andThen(Effect.fail(notFound(`no artifact ${key.hash} for team ${team.slug}`)))
      )
    if (request.method === "HEAD") {
      const info = yield* services.storage.head(key).pipe(
        Effect.catchTag("StorageError", storageFailure("look up the artifact"))
      )
      if (Option.isNone(info)) return yield* missing()
      return HttpServerResponse.empty({ status: 200, headers: artifactResponseHeaders(info.value) })
    }
    const artifact = yield* services.storage.get(key).pipe(
      Effect.catchTag("StorageError", storageFailure("read the artifact"))
    )
    if (Option.isNone(artifact)) return yield* missing()
    const { body, info } = artifact.value
    yield* recordActivity(services, request, {
      type: "artifact.downloaded",
      team,
      principal,
      data: { hash: key.hash, size: info.size }
    })
    return artifactResponse(body, info)
  })

/** The 200 answer carrying an artifact's bytes and its `x-artifact-*` headers. */
export const artifactResponse = (
  body: Stream.Stream<Uint8Array, unknown>,
  info: ArtifactInfo
): HttpServerResponse.HttpServerResponse => {
  const { "content-type": contentType, "content-length": _, ...headers } = artifactResponseHeaders(info)
  return HttpServerResponse.stream(
    body.pipe(Stream.tapError((error) => Effect.logError("reading an artifact failed mid-stream", error))),
    { contentType, contentLength: info.size, headers }
  )
}
