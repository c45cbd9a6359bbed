import { Effect, Option, Sink, Stream } from "effect"
import type { Scope } from "effect"
import { HttpServerResponse } from "effect/http"
import type { HttpServerRequest } from "effect/http"
import type { ActivityEventData } from "../../activity/ActivityEvent.ts"
import type { ArtifactInfo } from "../../domain/ArtifactMetadata.ts"
import type { Team } from "../../access/Team.ts"
import type { Principal } from "../../auth/Auth.ts"
import type { ArtifactKey, StoredArtifact } from "../../storage/ArtifactStorage.ts"
import { notFoundResponse, storageFailure } from "../ApiError.ts"
import type { ApiError } from "../ApiError.ts"
import { requireCacheOpen } from "../CacheStatus.ts"
import { authorizeTeam, missSampling, recordActivity } from "../RequestContext.ts"
import { RequestState } from "../RequestState.ts"
import type { Services } from "../Services.ts"
import { countArtifactBytes, countFlowingBytes, countLookups } from "../../observability/metrics.ts"
import { artifactKey } from "./artifactKey.ts"
import { artifactResponseHeaders } from "./artifactHeaders.ts"

/**
 * `GET` and `HEAD /v8/artifacts/:hash`: the stored bytes with their metadata
 * headers, or 404. A GET is the first request turbo sends per task, so a miss
 * must be cheap.
 */
export const download = (services: Services) =>
  Effect.fnUntraced(function*(request: HttpServerRequest.HttpServerRequest) {
    const { principal, team } = yield* authorizeTeam(services, request, "read")
    yield* requireCacheOpen(services, team, "read")
    const key = yield* artifactKey(team)
    return yield* serveArtifact(services, request, {
      team,
      principal,
      key,
      // A miss is turbo's most common answer, not a failure: answered here
      // rather than failed up to the app's error handler.
      missing: Effect.sync(() => notFoundResponse(`no artifact ${key.hash} for team ${team.slug}`))
    })
  })

interface ServedArtifact {
  readonly team: Team
  readonly principal: Principal | undefined
  readonly key: ArtifactKey
  readonly missing: Effect.Effect<HttpServerResponse.HttpServerResponse, ApiError>
  /** What its events carry besides the hash and size, e.g. the build tool that asked. */
  readonly data?: ActivityEventData
}

/**
 * Answers a GET or HEAD for one artifact: its bytes (GET) with its
 * `x-artifact-*` headers, recording `artifact.downloaded`; on a miss, records
 * `artifact.missed` and answers `missing` (a 404, or a failure).
 */
export const serveArtifact = Effect.fnUntraced(function*(
  services: Services,
  request: HttpServerRequest.HttpServerRequest,
  { data, key, missing, principal, team }: ServedArtifact
): Effect.fn.Return<HttpServerResponse.HttpServerResponse, ApiError, Scope.Scope> {
  const operation = request.method === "HEAD" ? "head" : "get"
  const teamLabel = services.teamLabels.of(team.id)
  const miss = () =>
    recordActivity(services, request, {
      type: "artifact.missed",
      team,
      principal,
      data: { hash: key.hash, ...data }
    }, missSampling).pipe(
      Effect.andThen(countLookups(teamLabel, operation, "miss")),
      Effect.andThen(missing)
    )
  if (operation === "head") {
    const info = yield* services.storage.head(key).pipe(
      Effect.catchTag("StorageError", storageFailure("look up the artifact"))
    )
    if (Option.isNone(info)) return yield* miss()
    yield* countLookups(teamLabel, "head", "hit")
    return HttpServerResponse.empty({ status: 200, headers: artifactResponseHeaders(info.value) })
  }
  const artifact = yield* services.storage.get(key).pipe(
    Effect.catchTag("StorageError", storageFailure("read the artifact"))
  )
  if (Option.isNone(artifact)) return yield* miss()
  const { info } = artifact.value
  const body = artifact.value.bytes ?? (yield* startedBody(artifact.value))
  yield* countLookups(teamLabel, "get", "hit")
  yield* recordActivity(services, request, {
    type: "artifact.downloaded",
    team,
    principal,
    data: { hash: key.hash, size: info.size, ...data }
  })
  if (body instanceof Uint8Array) yield* countArtifactBytes(teamLabel, "out", body.byteLength)
  return artifactResponse(
    body instanceof Uint8Array ? body : countFlowingBytes(body, teamLabel, "out"),
    info,
    (yield* RequestState).requestId
  )
})

/**
 * The artifact's stream with its first chunk already read, in the request's
 * scope: a backend that fails then (the cloud ones fetch the bytes only once
 * the body is pulled, after the metadata) gets the 503 of a storage failure,
 * not a 200 the transport can only cut short. Later failures still cut it.
 */
const startedBody = ({ body }: StoredArtifact): Effect.Effect<Stream.Stream<Uint8Array, unknown>, ApiError, Scope.Scope> =>
  Stream.peel(body, Sink.take(1)).pipe(
    Effect.map(([first, rest]) => Stream.concat(Stream.fromIterable(first), rest)),
    Effect.catchTag("StorageError", storageFailure("read the artifact"))
  )

/**
 * The 200 answer carrying an artifact's bytes and its `x-artifact-*` headers:
 * one buffer when the backend read it whole, else its stream. The transport
 * runs a stream after the handler has returned, outside the app's log
 * annotations: a failure mid-stream is logged with the request id here.
 */
const artifactResponse = (
  body: Uint8Array | Stream.Stream<Uint8Array, unknown>,
  info: ArtifactInfo,
  requestId: string
): HttpServerResponse.HttpServerResponse => {
  const { "content-type": contentType, "content-length": _, ...headers } = artifactResponseHeaders(info)
  if (body instanceof Uint8Array) return HttpServerResponse.uint8Array(body, { contentType, headers })
  return HttpServerResponse.stream(
    body.pipe(Stream.tapError((error) =>
      Effect.logError("reading an artifact failed mid-stream", error).pipe(Effect.annotateLogs("requestId", requestId))
    )),
    { contentType, contentLength: info.size, headers }
  )
}
