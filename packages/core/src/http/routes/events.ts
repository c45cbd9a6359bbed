import { Effect } from "effect"
import { HttpServerResponse } from "effect/http"
import type { HttpServerRequest } from "effect/http"
import { UsageEventBatch } from "../../events/UsageEvent.ts"
import { readJsonBody } from "../body.ts"
import { decodeOrBadRequest } from "../decode.ts"
import { authenticate, resolveNamespace } from "../RequestContext.ts"
import type { Services } from "../Services.ts"

const decodeEvents = decodeOrBadRequest(UsageEventBatch, "usage events")

/**
 * `POST /v8/artifacts/events`: turbo's usage events (HIT/MISS per task), handed
 * to the event sink. turbo ignores the answer, and sends no User-Agent here.
 */
export const events = ({ auth, config, events: sink }: Services) => (request: HttpServerRequest.HttpServerRequest) =>
  Effect.gen(function*() {
    yield* authenticate(auth, request)
    const namespace = yield* resolveNamespace(request)
    const batch = yield* readJsonBody(request, config.maxJsonBytes).pipe(Effect.flatMap(decodeEvents))
    const receivedAt = Date.now()
    const clientCi = request.headers["x-artifact-client-ci"]
    yield* sink.record(batch.map((event) => ({
      ...event,
      namespace,
      receivedAt,
      ...(clientCi !== undefined && { clientCi })
    })))
    return HttpServerResponse.empty({ status: 200 })
  })
