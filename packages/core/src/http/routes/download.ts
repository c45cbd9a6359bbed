import { Effect, Option, Stream } from "effect"
import { HttpServerResponse } from "effect/http"
import type { HttpServerRequest } from "effect/http"
import { notFound, storageFailure } from "../ApiError.ts"
import { authenticate } from "../RequestContext.ts"
import type { Services } from "../Services.ts"
import { artifactKey } from "./artifactKey.ts"
import { artifactResponseHeaders } from "./artifactHeaders.ts"

/**
 * `GET` and `HEAD /v8/artifacts/:hash`: the stored bytes with their metadata
 * headers, or 404. A GET is the first request turbo sends per task, so a miss
 * must be cheap.
 */
export const download = ({ auth, storage }: Services) => (request: HttpServerRequest.HttpServerRequest) =>
  Effect.gen(function*() {
    yield* authenticate(auth, request)
    const key = yield* artifactKey(request)
    const missing = () => notFound(`no artifact ${key.hash} for team ${key.namespace}`)
    if (request.method === "HEAD") {
      const info = yield* storage.head(key).pipe(Effect.catchTag("StorageError", storageFailure("look up the artifact")))
      if (Option.isNone(info)) return yield* missing()
      return HttpServerResponse.empty({ status: 200, headers: artifactResponseHeaders(info.value) })
    }
    const artifact = yield* storage.get(key).pipe(Effect.catchTag("StorageError", storageFailure("read the artifact")))
    if (Option.isNone(artifact)) return yield* missing()
    const { body, info } = artifact.value
    const { "content-type": contentType, "content-length": _, ...headers } = artifactResponseHeaders(info)
    return HttpServerResponse.stream(
      body.pipe(Stream.tapError((error) => Effect.logError("reading an artifact failed mid-stream", error))),
      { contentType, contentLength: info.size, headers }
    )
  })
