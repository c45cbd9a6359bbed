import { Effect } from "effect"
import { HttpServerResponse } from "effect/http"
import type { HttpServerRequest } from "effect/http"
import type { NewActivityEvent } from "../../activity/ActivityEvent.ts"
import { UsageEventBatch } from "../../domain/UsageEvent.ts"
import { jsonLimits, readJsonBody } from "../body.ts"
import type { JsonLimits } from "../body.ts"
import { decodeOrBadRequest } from "../decode.ts"
import { authorizeTeam, requestDetails } from "../RequestContext.ts"
import { RequestState } from "../RequestState.ts"
import type { Services } from "../Services.ts"
import { countTurboEvent } from "../../observability/metrics.ts"

const decodeEvents = decodeOrBadRequest(UsageEventBatch, "usage events")

/**
 * turbo sends at most 10 events per POST, each under 200 bytes; 100 of the
 * largest valid events (128-character session id and hash) take 35 KB.
 * An array of flat objects: 2 levels.
 */
export const eventsLimits: JsonLimits = { what: "usage events", maxBytes: 64 * 1024, maxEntries: 100, maxDepth: 2 }

/**
 * `POST /v8/artifacts/events`: turbo's usage events (HIT/MISS per task and
 * cache), recorded as `usage.hit`/`usage.miss`. A read-only token may send
 * them. turbo ignores the answer, and sends no User-Agent here.
 */
export const events = (services: Services) => {
  const limits = jsonLimits(services.config, eventsLimits)
  return Effect.fnUntraced(function*(request: HttpServerRequest.HttpServerRequest) {
    const { principal, team } = yield* authorizeTeam(services, request, "read")
    const batch = yield* readJsonBody(request, limits).pipe(Effect.flatMap(decodeEvents))
    const createdAt = Date.now()
    const { requestId } = yield* RequestState
    const details = { ...requestDetails(request, principal), request_id: requestId }
    const teamLabel = services.teamLabels.of(team.id)
    yield* Effect.forEach(batch, (event) => countTurboEvent(teamLabel, event.source, event.event), { discard: true })
    yield* services.writer.record(batch.map((event): NewActivityEvent => ({
      event_type: event.event === "HIT" ? "usage.hit" : "usage.miss",
      created_at: createdAt,
      team_id: team.id,
      data: {
        hash: event.hash,
        source: event.source,
        session_id: event.sessionId,
        ...(event.duration !== undefined && { duration_ms: event.duration }),
        ...details
      }
    })))
    return HttpServerResponse.empty({ status: 200 })
  })
}
