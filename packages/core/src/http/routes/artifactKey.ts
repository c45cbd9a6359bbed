import { Effect } from "effect"
import { HttpRouter } from "effect/http"
import type { HttpServerRequest } from "effect/http"
import { ArtifactHash } from "../../domain/ArtifactHash.ts"
import type { ArtifactKey } from "../../storage/ArtifactStorage.ts"
import type { ApiError } from "../ApiError.ts"
import { decodeOrBadRequest } from "../decode.ts"
import { resolveNamespace } from "../RequestContext.ts"

const decodeHash = decodeOrBadRequest(ArtifactHash, "artifact hash")

/** The artifact a `/v8/artifacts/:hash` request addresses. */
export const artifactKey = (
  request: HttpServerRequest.HttpServerRequest
): Effect.Effect<ArtifactKey, ApiError, HttpRouter.RouteContext> =>
  Effect.gen(function*() {
    const params = yield* HttpRouter.params
    const hash = yield* decodeHash(params["hash"])
    const namespace = yield* resolveNamespace(request)
    return { namespace, hash }
  })
