import { Cause, Context, Effect, Exit, Layer, Stream } from "effect"
import type { Scope } from "effect"
import type { HttpServerRequest } from "effect/http"
import type { Team } from "../access/Team.ts"
import type { ActivityEventData } from "../activity/ActivityEvent.ts"
import type { Principal } from "../auth/Auth.ts"
import type { ArtifactMetadata } from "../domain/ArtifactMetadata.ts"
import { countArtifactBytes } from "../observability/metrics.ts"
import type { ArtifactKey } from "../storage/ArtifactStorage.ts"
import { badRequest, lengthRequired, payloadTooLarge, storageFailure } from "./ApiError.ts"
import type { ApiError } from "./ApiError.ts"
import { uploadBody, UploadBodyReader, wholeBodyLimit, wholeUploadBody } from "./body.ts"
import type { BodyReader } from "./body.ts"
import { recordActivity } from "./RequestContext.ts"
import { Services } from "./Services.ts"
import { makeStorageBudget } from "./StorageBudget.ts"
import { arrivesAtMinimumRate, withMinimumRate } from "./uploadRate.ts"
import { makeUploadSlots } from "./uploadSlots.ts"

/** One upload, authorised and addressed: what `storeUpload` stores and records. */
export interface UploadTarget {
  readonly team: Team
  readonly principal: Principal
  readonly key: ArtifactKey
  /** The request's Content-Length (`contentLength`): exactly what the body must yield. */
  readonly size: number
  readonly metadata: ArtifactMetadata
  /** What the upload's events carry besides the request's details (the hash and size at least). */
  readonly data: ActivityEventData
  /**
   * Checks the bytes as they stream (e.g. Bazel's content digest). A failure
   * of the checked stream fails the put, so nothing is stored.
   */
  readonly check?: (body: Stream.Stream<Uint8Array, ApiError>) => Stream.Stream<Uint8Array, ApiError>
}

/**
 * Stores uploads for every protocol the same way: within the size budgets
 * (507) and the upload slots (429), at a minimum rate, streamed into storage,
 * with `artifact.upload_started` and then `artifact.uploaded` or
 * `artifact.upload_failed` recorded. The slot is held until the returned
 * effect's scope closes.
 */
export const makeUploader = (services: Services, readBody: BodyReader): UploaderShape => {
  const { config } = services
  const slots = makeUploadSlots({ total: config.maxConcurrentUploads, perToken: config.maxConcurrentUploadsPerToken })
  const budget = makeStorageBudget(services)
  const minimumRate = { minBytesPerSecond: config.minUploadBytesPerSecond, windowMillis: config.uploadRateWindowSeconds * 1000 }
  return Effect.fnUntraced(function*(
    request: HttpServerRequest.HttpServerRequest,
    { check, data, key, metadata, principal, size, team }: UploadTarget
  ) {
    yield* budget.admit(team, size)
    yield* slots.acquire(principal.tokenName)
    yield* recordActivity(services, request, { type: "artifact.upload_started", team, principal, data })
    const put = (body: Stream.Stream<Uint8Array, ApiError>) =>
      services.storage.put(key, check === undefined ? body : check(body), { size, metadata })
    yield* (size <= wholeBodyLimit
      ? Effect.flatMap(arrivesAtMinimumRate(wholeUploadBody(request, readBody), size, minimumRate), (bytes) => put(Stream.succeed(bytes)))
      : withMinimumRate(uploadBody(request, readBody), minimumRate, put)).pipe(
      Effect.onExit((exit) =>
        Exit.isSuccess(exit)
          ? Effect.sync(() => services.usage.added(team, size)).pipe(
            Effect.andThen(countArtifactBytes(services.teamLabels.of(team.id), "in", size)),
            Effect.andThen(recordActivity(services, request, { type: "artifact.uploaded", team, principal, data })),
            Effect.andThen(budget.stored(team))
          )
          : recordActivity(services, request, {
            type: "artifact.upload_failed",
            team,
            principal,
            data: { ...data, reason: failureReason(exit.cause) }
          })
      ),
      Effect.catchTag("StorageError", storageFailure("store the artifact"))
    )
  })
}

export type UploaderShape = (
  request: HttpServerRequest.HttpServerRequest,
  target: UploadTarget
) => Effect.Effect<void, ApiError, Scope.Scope>

/** The app's one uploader: every protocol's uploads share its slots (`maxConcurrentUploads`). */
export class Uploader extends Context.Service<Uploader, UploaderShape>()("@hoard/core/Uploader") {
  static readonly layer = Layer.effect(
    Uploader,
    Effect.gen(function*() {
      return makeUploader(yield* Services, yield* UploadBodyReader)
    })
  )
}

const failureReason = (cause: Cause.Cause<unknown>): string => {
  if (Cause.hasInterruptsOnly(cause)) return "the upload was interrupted"
  const error = Cause.squash(cause)
  return error instanceof Error ? error.message : String(error)
}

/** The upload's declared size: 411 without one, 400 when malformed, 413 above `maxBytes`. */
export const contentLength = (
  request: HttpServerRequest.HttpServerRequest,
  maxBytes: number
): Effect.Effect<number, ApiError> => {
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
