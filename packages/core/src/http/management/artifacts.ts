import { Effect, Stream } from "effect"
import { HttpServerResponse } from "effect/http"
import type { HttpServerRequest } from "effect/http"
import type { Team } from "../../access/Team.ts"
import { artifactRecords } from "../../activity/artifactStates.ts"
import type { ArtifactRecord as StateRecord } from "../../activity/artifactStates.ts"
import type { ArtifactHash } from "../../domain/ArtifactHash.ts"
import { notFound, storageFailure } from "../ApiError.ts"
import type { ApiError } from "../ApiError.ts"
import { authorizeTeam, recordActivity } from "../RequestContext.ts"
import type { ManagementContext, ManagementHandler } from "./endpoint.ts"
import { jsonWith } from "./endpoint.ts"
import { checkWindow } from "./events.ts"
import type { ArtifactsGroup } from "./ManagementApi.ts"
import { invalidParameter } from "./ManagementError.ts"
import { publicBaseUrl } from "./publicUrl.ts"
import { signedDownloadPath } from "./SignedUrls.ts"
import type { ArtifactRecord } from "./schemas.ts"
import { ArtifactRecord as ArtifactRecordSchema, ArtifactsPage, defaultArtifactsLimit } from "./schemas.ts"

type Endpoints = typeof ArtifactsGroup.endpoints

const artifactsPage = jsonWith(ArtifactsPage)
const artifactRecord = jsonWith(ArtifactRecordSchema)

/**
 * The team's artifact records (storage plus the activity record), newest
 * `updated_at` first. With `hash`, only that artifact's objects and events are
 * read.
 */
const teamRecords = (
  { services }: ManagementContext,
  team: Team,
  hash?: ArtifactHash
): Effect.Effect<Array<StateRecord>, ApiError> =>
  Effect.gen(function*() {
    const now = Date.now()
    const listed = services.storage.list({ namespace: team.id, ...(hash !== undefined && { hashPrefix: hash }) })
    const scanned = services.activity.scan({ teamId: team.id })
    const [stored, events] = yield* Effect.all([
      Stream.runCollect(hash === undefined ? listed : Stream.filter(listed, (artifact) => artifact.key.hash === hash)).pipe(
        Effect.catchTag("StorageError", storageFailure("list the team's artifacts"))
      ),
      Stream.runCollect(hash === undefined ? scanned : Stream.filter(scanned, (event) => event.data.hash === hash)).pipe(
        Effect.catchTag("StorageError", storageFailure("read the activity record"))
      )
    ], { concurrency: 2 })
    return artifactRecords(stored, events, now)
  })

/** Adds the signed `download_url` of a stored artifact (null otherwise). */
const withDownloadUrl = (
  { services, signer }: ManagementContext,
  request: HttpServerRequest.HttpServerRequest,
  team: Team,
  now: number
) => {
  const base = publicBaseUrl(request, services.config.publicUrl)
  return (record: StateRecord): ArtifactRecord => ({
    ...record,
    download_url: record.status === "success"
      ? base + signedDownloadPath(signer, { teamId: team.id, hash: record.hash }, now)
      : null
  })
}

/** Where a page starts: after the last record of the previous page (records are unique by hash). */
interface PagePosition {
  readonly updatedAt: string
  readonly hash: string
}

const encodeCursor = (position: PagePosition): string =>
  Buffer.from(JSON.stringify([position.updatedAt, position.hash]), "utf8").toString("base64url")

const decodeCursor = (cursor: string): PagePosition | undefined => {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"))
    return Array.isArray(value) && value.length === 2 && typeof value[0] === "string" && typeof value[1] === "string"
      ? { updatedAt: value[0], hash: value[1] }
      : undefined
  } catch {
    return undefined
  }
}

/** Newest `updated_at` first, then by hash: the order `artifactRecords` returns. */
const isAfter = (position: PagePosition) => (record: StateRecord): boolean =>
  record.dates.updated_at < position.updatedAt ||
  (record.dates.updated_at === position.updatedAt && record.hash > position.hash)

/**
 * `GET /api/v1/teams/:team/artifacts`: filtered by `sha`, `status` and an
 * `updated_at` window (`from` inclusive, `to` exclusive), paginated.
 */
export const listArtifacts = (context: ManagementContext): ManagementHandler<Endpoints["listArtifacts"]> =>
({ params, query, request }) =>
  Effect.gen(function*() {
    const { team } = yield* authorizeTeam(context.services, request, "read", params.team)
    yield* checkWindow(query.from, query.to)
    const position = query.cursor === undefined ? undefined : decodeCursor(query.cursor)
    if (query.cursor !== undefined && position === undefined) {
      return yield* invalidParameter("cursor", "query", "not a cursor this server handed out")
    }
    const from = query.from === undefined ? undefined : new Date(query.from).toISOString()
    const to = query.to === undefined ? undefined : new Date(query.to).toISOString()
    const after = position === undefined ? undefined : isAfter(position)
    const matching = (yield* teamRecords(context, team)).filter((record) =>
      (query.sha === undefined || record.sha === query.sha) &&
      (query.status === undefined || record.status === query.status) &&
      (from === undefined || record.dates.updated_at >= from) &&
      (to === undefined || record.dates.updated_at < to) &&
      (after === undefined || after(record))
    )
    const limit = query.limit ?? defaultArtifactsLimit
    const page = matching.slice(0, limit)
    const last = page[page.length - 1]
    return artifactsPage({
      artifacts: page.map(withDownloadUrl(context, request, team, Date.now())),
      next_cursor: matching.length > limit && last !== undefined
        ? encodeCursor({ updatedAt: last.dates.updated_at, hash: last.hash })
        : null
    })
  })

/** `GET /api/v1/teams/:team/artifacts/:hash`: one record; 404 when Hoard knows nothing of it. */
export const getArtifact = (context: ManagementContext): ManagementHandler<Endpoints["getArtifact"]> =>
({ params, request }) =>
  Effect.gen(function*() {
    const { team } = yield* authorizeTeam(context.services, request, "read", params.team)
    const record = (yield* teamRecords(context, team, params.hash)).find((record) => record.hash === params.hash)
    if (record === undefined) return yield* notFound(`no artifact ${params.hash} for team ${team.slug}`)
    return artifactRecord(withDownloadUrl(context, request, team, Date.now())(record))
  })

/**
 * `DELETE /api/v1/teams/:team/artifacts/:hash` (admin): removes the artifact
 * and records `artifact.deleted`; 404 when there was nothing to delete.
 */
export const deleteArtifact = ({ services }: ManagementContext): ManagementHandler<Endpoints["deleteArtifact"]> =>
({ params, request }) =>
  Effect.gen(function*() {
    const { principal, team } = yield* authorizeTeam(services, request, "admin", params.team)
    const deleted = yield* services.storage.delete({ namespace: team.id, hash: params.hash }).pipe(
      Effect.catchTag("StorageError", storageFailure("delete the artifact"))
    )
    if (!deleted) return yield* notFound(`no artifact ${params.hash} for team ${team.slug}`)
    services.usage.invalidate(team)
    yield* recordActivity(services, request, { type: "artifact.deleted", team, principal, data: { hash: params.hash } })
    return HttpServerResponse.empty({ status: 204 })
  })
