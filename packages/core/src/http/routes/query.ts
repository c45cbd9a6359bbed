import { Effect, Option, Schema } from "effect"
import { HttpServerResponse } from "effect/http"
import type { HttpServerRequest } from "effect/http"
import { TurboHash } from "../../domain/ArtifactHash.ts"
import { storageFailure } from "../ApiError.ts"
import { jsonLimits, readJsonBody } from "../body.ts"
import type { JsonLimits } from "../body.ts"
import { decodeOrBadRequest } from "../decode.ts"
import { requireCacheOpen } from "../CacheStatus.ts"
import { authorizeTeam, missSampling, recordActivity } from "../RequestContext.ts"
import type { Services } from "../Services.ts"
import { countLookups } from "../../observability/metrics.ts"

const maxHashes = 1000

export const QueryRequest = Schema.Struct({
  hashes: Schema.Array(TurboHash).check(
    Schema.isMaxLength(maxHashes, { message: `at most ${maxHashes} hashes per query` })
  )
})
const decodeQuery = decodeOrBadRequest(QueryRequest, "query")

/**
 * `{"hashes":[...]}`: an object holding an array of strings, 2 levels. 1000
 * of the longest valid hashes (128 hex characters) take 131 KB; turbo's own
 * (16 characters) take 19 KB.
 */
export const queryLimits: JsonLimits = { what: "query", maxBytes: 160 * 1024, maxEntries: maxHashes, maxDepth: 2 }

/** What turbo accepts for a hit; any other shape makes it discard the whole answer. */
interface QueryHit {
  readonly size: number
  readonly taskDurationMs: number
  readonly tag?: string
}

/**
 * `POST /v8/artifacts`, the batch existence query (`turbo run --dry`). Answers an
 * object keyed by hash: `null` for a miss, `{size, taskDurationMs, tag?}` for a hit.
 */
export const query = (services: Services) => {
  const limits = jsonLimits(services.config, queryLimits)
  return Effect.fnUntraced(function*(request: HttpServerRequest.HttpServerRequest) {
    const { storage } = services
    const { principal, team } = yield* authorizeTeam(services, request, "read")
    yield* requireCacheOpen(services, team, "read")
    const namespace = team.id
    const { hashes } = yield* readJsonBody(request, limits).pipe(Effect.flatMap(decodeQuery))
    const entries = yield* Effect.forEach(
      new Set(hashes),
      (hash) =>
        storage.head({ namespace, hash }).pipe(
          Effect.map((info): readonly [string, QueryHit | null] => [
            hash,
            Option.match(info, {
              onNone: () => null,
              onSome: ({ metadata, size }) => ({
                size,
                taskDurationMs: metadata.durationMs,
                ...(metadata.tag !== undefined && { tag: metadata.tag })
              })
            })
          ])
        ),
      { concurrency: 16 }
    ).pipe(Effect.catchTag("StorageError", storageFailure("look up artifacts")))
    const misses = entries.filter(([, hit]) => hit === null).length
    const teamLabel = services.teamLabels.of(team.id)
    yield* countLookups(teamLabel, "query", "hit", entries.length - misses)
    yield* countLookups(teamLabel, "query", "miss", misses)
    for (const [hash, hit] of entries) {
      if (hit === null) {
        yield* recordActivity(services, request, { type: "artifact.missed", team, principal, data: { hash } }, missSampling)
      }
    }
    return HttpServerResponse.jsonUnsafe(Object.fromEntries(entries))
  })
}
