import { Effect, Option } from "effect"
import { HttpServerResponse } from "effect/http"
import type { HttpServerRequest } from "effect/http"
import type { Team } from "../../access/Team.ts"
import type { IndexedArtifact } from "../../index/CacheIndex.ts"
import { notFound, storageFailure } from "../ApiError.ts"
import { authorizeTeam, recordActivity } from "../RequestContext.ts"
import type { ManagementContext, ManagementHandler } from "./endpoint.ts"
import { jsonWith, readIndex } from "./endpoint.ts"
import { checkWindow } from "./events.ts"
import type { ArtifactsGroup } from "./ManagementApi.ts"
import { publicBaseUrl } from "./publicUrl.ts"
import { signedDownloadPath } from "./SignedUrls.ts"
import type { ArtifactRecord } from "./schemas.ts"
import { ArtifactRecord as ArtifactRecordSchema, ArtifactsPage, defaultArtifactsLimit } from "./schemas.ts"

type Endpoints = typeof ArtifactsGroup.endpoints

const artifactsPage = jsonWith(ArtifactsPage)
const artifactRecord = jsonWith(ArtifactRecordSchema)

const iso = (ms: number): string => new Date(ms).toISOString()

/** The API form of an index record, with the signed `download_url` of a stored artifact (null otherwise). */
const toApiRecord = (
  { services, signer }: ManagementContext,
  request: HttpServerRequest.HttpServerRequest,
  team: Team,
  now: number
) => {
  const base = publicBaseUrl(request, services.config.publicUrl)
  return (record: IndexedArtifact): ArtifactRecord => ({
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
}

/**
 * `GET /api/v1/teams/:team/artifacts`: one page of the index's records,
 * most recently updated first, filtered by `sha`, `status` and an
 * `updated_at` window (`from` inclusive, `to` exclusive).
 */
export const listArtifacts = (context: ManagementContext): ManagementHandler<Endpoints["listArtifacts"]> =>
({ params, query, request }) =>
  Effect.gen(function*() {
    const { services } = context
    const { team } = yield* authorizeTeam(services, request, "read", params.team)
    yield* checkWindow(query.from, query.to)
    const now = Date.now()
    const page = yield* readIndex(services, services.index.listArtifacts({
      teamId: team.id,
      limit: query.limit ?? defaultArtifactsLimit,
      now,
      ...(query.sha !== undefined && { sha: query.sha }),
      ...(query.status !== undefined && { status: query.status }),
      ...(query.from !== undefined && { from: query.from }),
      ...(query.to !== undefined && { to: query.to }),
      ...(query.cursor !== undefined && { cursor: query.cursor })
    }))
    return artifactsPage({
      artifacts: page.artifacts.map(toApiRecord(context, request, team, now)),
      next_cursor: page.nextCursor ?? null
    })
  })

/** `GET /api/v1/teams/:team/artifacts/:hash`: one record; 404 when Hoard knows nothing of it. */
export const getArtifact = (context: ManagementContext): ManagementHandler<Endpoints["getArtifact"]> =>
({ params, request }) =>
  Effect.gen(function*() {
    const { services } = context
    const { team } = yield* authorizeTeam(services, request, "read", params.team)
    const now = Date.now()
    const record = yield* readIndex(services, services.index.getArtifact(team.id, params.hash, now))
    if (Option.isNone(record)) return yield* notFound(`no artifact ${params.hash} for team ${team.slug}`)
    return artifactRecord(toApiRecord(context, request, team, now)(record.value))
  })

/**
 * `DELETE /api/v1/teams/:team/artifacts/:hash` (admin): removes the artifact
 * from storage and records `artifact.deleted` (which removes its record); 404
 * when there was nothing to delete.
 */
export const deleteArtifact = ({ services }: ManagementContext): ManagementHandler<Endpoints["deleteArtifact"]> =>
({ params, request }) =>
  Effect.gen(function*() {
    const { principal, team } = yield* authorizeTeam(services, request, "admin", params.team)
    const deleted = yield* services.storage.delete({ namespace: team.id, hash: params.hash }).pipe(
      Effect.catchTag("StorageError", storageFailure("delete the artifact"))
    )
    if (!deleted) return yield* notFound(`no artifact ${params.hash} for team ${team.slug}`)
    yield* recordActivity(services, request, { type: "artifact.deleted", team, principal, data: { hash: params.hash } })
    services.usage.invalidate(team)
    return HttpServerResponse.empty({ status: 204 })
  })
