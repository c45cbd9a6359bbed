import { Effect } from "effect"
import { HttpServerResponse } from "effect/http"
import type { HttpServerRequest } from "effect/http"
import { authenticate, resolveNamespace, searchParams } from "../RequestContext.ts"
import type { Services } from "../Services.ts"

/**
 * `GET /v8/artifacts/status`. turbo sends `Content-Type: application/json` with
 * an empty body here: the body is never read.
 */
export const status = ({ auth }: Services) => (request: HttpServerRequest.HttpServerRequest) =>
  Effect.gen(function*() {
    yield* authenticate(auth, request)
    const params = searchParams(request)
    if (params.has("teamId") || params.has("slug")) yield* resolveNamespace(request)
    return HttpServerResponse.jsonUnsafe({ status: "enabled" })
  })
