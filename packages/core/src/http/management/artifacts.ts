import { Effect, Option } from "effect"
import type { HttpServerRequest } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import type { Team } from "../../access/Team.ts"
import { TeamUsage } from "../../access/TeamUsage.ts"
import { HoardConfig } from "../../HoardConfig.ts"
import type { IndexedArtifact } from "../../index/CacheIndex.ts"
import { ArtifactStorage } from "../../storage/ArtifactStorage.ts"
import { notFound, storageFailure } from "../ApiError.ts"
import { recordActivity } from "../RequestContext.ts"
import { Services } from "../Services.ts"
import { checkWindow } from "./events.ts"
import { makeIndexReads } from "./IndexReads.ts"
import { ManagementApi } from "./ManagementApi.ts"
import { CurrentPrincipal, CurrentTeam } from "./ManagementAuth.ts"
import { publicBaseUrl } from "./publicUrl.ts"
import type { DownloadSigner } from "./SignedUrls.ts"
import { makeDownloadSigner, signedDownloadPath } from "./SignedUrls.ts"
import type { ArtifactRecord } from "./schemas.ts"
import { defaultArtifactsLimit } from "./schemas.ts"

const iso = (ms: number): string => new Date(ms).toISOString()

/** The API form of an index record, with the signed `download_url` of a stored artifact (null otherwise). */
const toApiRecord = (
  { base, signer }: { readonly base: string; readonly signer: DownloadSigner },
  team: Team,
  now: number
) =>
(record: IndexedArtifact): ArtifactRecord => ({
  hash: record.hash,
  size: record.size,
  status: record.status,
  sha: record.sha,
  dirty_hash: record.dirtyHash,
  duration_ms: record.durationMs,
  has_tag: record.hasTag,
  client_ci: record.clientCi,
  uploaded_by: record.uploader,
  hit_count: record.hitCount,
  dates: {
    registered_at: iso(record.registeredAt),
    updated_at: iso(record.updatedAt),
    obtained_at: record.obtainedAt === null ? null : iso(record.obtainedAt)
  },
  download_url: record.status === "success"
    ? base + signedDownloadPath(signer, { teamId: team.id, hash: record.hash }, now)
    : null
})

/** The team's artifacts: list, get and (admin) delete under `/api/v1/teams/:team/artifacts`. */
export const ArtifactsHandlers = HttpApiBuilder.group(
  ManagementApi,
  "artifacts",
  Effect.fn(function*(handlers) {
    const readIndex = yield* makeIndexReads
    const storage = yield* ArtifactStorage
    const usage = yield* TeamUsage
    const config = yield* HoardConfig
    const signer = makeDownloadSigner(config)
    // For `recordActivity`, which the /v8 routes share.
    const services = yield* Services
    const recordsFor = (request: HttpServerRequest.HttpServerRequest, team: Team, now: number) =>
      toApiRecord({ base: publicBaseUrl(request, config.publicUrl), signer }, team, now)

    return handlers
      // One page of the index's records, most recently updated first, filtered by
      // `sha`, `status` and an `updated_at` window (`from` inclusive, `to` exclusive).
      .handle("listArtifacts", ({ query, request }) =>
        Effect.gen(function*() {
          const team = yield* CurrentTeam
          yield* checkWindow(query.from, query.to)
          const now = Date.now()
          const page = yield* readIndex((index) =>
            index.listArtifacts({
              teamId: team.id,
              limit: query.limit ?? defaultArtifactsLimit,
              now,
              ...(query.sha !== undefined && { sha: query.sha }),
              ...(query.status !== undefined && { status: query.status }),
              ...(query.from !== undefined && { from: query.from }),
              ...(query.to !== undefined && { to: query.to }),
              ...(query.cursor !== undefined && { cursor: query.cursor })
            })
          )
          return { artifacts: page.artifacts.map(recordsFor(request, team, Date.now())), next_cursor: page.nextCursor ?? null }
        }))
      // One record; 404 when Hoard knows nothing of it.
      .handle("getArtifact", ({ params, request }) =>
        Effect.gen(function*() {
          const team = yield* CurrentTeam
          const now = Date.now()
          const record = yield* readIndex((index) => index.getArtifact(team.id, params.hash, now))
          if (Option.isNone(record)) return yield* notFound(`no artifact ${params.hash} for team ${team.slug}`)
          return recordsFor(request, team, Date.now())(record.value)
        }))
      // Removes the artifact from storage and records `artifact.deleted` (which
      // removes its record); 404 when there was nothing to delete.
      .handle("deleteArtifact", ({ params, request }) =>
        Effect.gen(function*() {
          const team = yield* CurrentTeam
          const principal = yield* CurrentPrincipal
          const deleted = yield* storage.delete({ namespace: team.id, hash: params.hash }).pipe(
            Effect.catchTag("StorageError", storageFailure("delete the artifact"))
          )
          if (!deleted) return yield* notFound(`no artifact ${params.hash} for team ${team.slug}`)
          yield* recordActivity(services, request, { type: "artifact.deleted", team, principal, data: { hash: params.hash } })
          usage.invalidate(team)
        }))
  })
)
