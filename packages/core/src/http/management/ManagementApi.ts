import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { ActivityEvent } from "../../activity/ActivityEvent.ts"
import { ArtifactHeaders } from "../openapi/TurboApi.ts"
import { ManagementAuth, RequiredPermission } from "./ManagementAuth.ts"
import { managementError, ManagementErrors } from "./ManagementError.ts"
import {
  Analytics,
  AnalyticsQuery,
  ArtifactPath,
  ArtifactRecord,
  ArtifactsPage,
  ArtifactsQuery,
  DownloadPath,
  DownloadQuery,
  EventPath,
  EventsPage,
  EventsQuery,
  PurgePath,
  PurgeRequest,
  RetentionReport,
  TeamPath
} from "./schemas.ts"
import { PurgeJob } from "../../retention/Purges.ts"

/**
 * The management API (`/api/v1`) as an HttpApi: its routes are built from it
 * (`ManagementRoutes`, with `HttpApiBuilder`) and `/openapi.json` is generated
 * from it (`HoardApi` adds these very groups). HttpApi decodes each request
 * with the `params` and `query` schemas given here and encodes answers with
 * the `success` and `error` ones.
 *
 * Middleware, innermost first: `ManagementAuth` (the bearer token and the
 * team; it declares the 400/401/403/429 it answers), then `ManagementErrors`
 * (undecodable parameters and crashes, on every endpoint). Endpoints list the
 * errors of their own.
 */

const readErrors = [managementError(400), managementError(503)] as const

export class EventsGroup extends HttpApiGroup.make("events")
  .add(
    HttpApiEndpoint.get("listEvents", "/api/v1/teams/:team/events", {
      params: TeamPath,
      query: EventsQuery,
      success: EventsPage,
      error: readErrors
    }).annotateMerge(OpenApi.annotations({
      summary: "The team's activity, newest first",
      description:
        "Usage events reported by turbo, uploads, downloads, misses, deletions and refused requests. Filter by `type` and a `from`/`to` window; page with `cursor`."
    })),
    HttpApiEndpoint.get("getEvent", "/api/v1/teams/:team/events/:id", {
      params: EventPath,
      success: ActivityEvent,
      error: [...readErrors, managementError(404)]
    }).annotateMerge(OpenApi.annotations({ summary: "One event of the team" }))
  )
  .middleware(ManagementAuth)
  .middleware(ManagementErrors)
  .annotateMerge(OpenApi.annotations({ title: "Activity", description: "The team's activity record (read scope)" }))
{}

export class AnalyticsGroup extends HttpApiGroup.make("analytics")
  .add(
    HttpApiEndpoint.get("getAnalytics", "/api/v1/teams/:team/analytics", {
      params: TeamPath,
      query: AnalyticsQuery,
      success: Analytics,
      error: readErrors
    }).annotateMerge(OpenApi.annotations({
      summary: "Cache effectiveness over a window (default: the last 30 days)",
      description:
        "Hits and misses as turbo reported them (by local and remote cache), hit rates, time saved, uploads and downloads with their bytes, and what the team stores now."
    }))
  )
  .middleware(ManagementAuth)
  .middleware(ManagementErrors)
  .annotateMerge(OpenApi.annotations({ title: "Analytics", description: "Cache statistics (read scope)" }))
{}

export class ArtifactsGroup extends HttpApiGroup.make("artifacts")
  .add(
    HttpApiEndpoint.get("listArtifacts", "/api/v1/teams/:team/artifacts", {
      params: TeamPath,
      query: ArtifactsQuery,
      success: ArtifactsPage,
      error: readErrors
    }).annotateMerge(OpenApi.annotations({
      summary: "The team's artifacts, most recently updated first",
      description:
        "Stored artifacts and the ones the activity record knows of (in-flight or failed uploads, misses), each with a signed `download_url` when stored."
    })),
    HttpApiEndpoint.get("getArtifact", "/api/v1/teams/:team/artifacts/:hash", {
      params: ArtifactPath,
      success: ArtifactRecord,
      error: [...readErrors, managementError(404)]
    }).annotateMerge(OpenApi.annotations({ summary: "One artifact" })),
    HttpApiEndpoint.delete("deleteArtifact", "/api/v1/teams/:team/artifacts/:hash", {
      params: ArtifactPath,
      success: HttpApiSchema.NoContent,
      error: [...readErrors, managementError(404)]
    }).annotate(RequiredPermission, "admin").annotateMerge(OpenApi.annotations({
      summary: "Delete an artifact (admin scope)",
      description: "Removes it from storage and records an `artifact.deleted` event. 404 when there was nothing to delete."
    }))
  )
  .middleware(ManagementAuth)
  .middleware(ManagementErrors)
  .annotateMerge(OpenApi.annotations({ title: "Artifacts", description: "The team's artifacts (read scope; delete needs admin)" }))
{}

export class DownloadsGroup extends HttpApiGroup.make("downloads")
  .add(
    HttpApiEndpoint.get("download", "/api/v1/downloads/:team/:hash", {
      params: DownloadPath,
      query: DownloadQuery,
      success: HttpApiSchema.WithHeaders(
        HttpApiSchema.StreamUint8Array({ contentType: "application/octet-stream" }),
        ArtifactHeaders
      ),
      error: [managementError(400), managementError(403), managementError(404), managementError(410), managementError(503)]
    }).annotateMerge(OpenApi.annotations({
      summary: "Download an artifact through a signed link (no token)",
      description:
        "The link comes from an artifact's `download_url` and is valid for `downloadUrlTtlSeconds` (default 300). A tampered link gets 403, an expired one 410."
    }))
  )
  .middleware(ManagementErrors)
  .annotateMerge(OpenApi.annotations({ title: "Signed downloads", description: "Links that work without a token until they expire" }))
{}

export class RetentionGroup extends HttpApiGroup.make("retention")
  .add(
    HttpApiEndpoint.get("getRetention", "/api/v1/teams/:team/retention", {
      params: TeamPath,
      success: RetentionReport,
      error: readErrors
    }).annotateMerge(OpenApi.annotations({
      summary: "What the team and the whole cache store against their size budgets",
      description:
        "Stored bytes and artifacts, the budget (`maxSize` of the team, `--max-size` of the cache), artifacts and bytes evicted so far, and the last use of the least recently used artifact."
    })),
    HttpApiEndpoint.post("startPurge", "/api/v1/teams/:team/purges", {
      params: TeamPath,
      payload: PurgeRequest,
      success: PurgeJob.pipe(HttpApiSchema.status(202)),
      error: readErrors
    }).annotate(RequiredPermission, "admin").annotateMerge(OpenApi.annotations({
      summary: "Purge a commit's artifacts, or all of the team's (admin scope)",
      description:
        "`{\"sha\": \"<commit>\"}` removes every artifact built from that commit (`x-artifact-sha`); `{\"all\": true}` every artifact of the team. Runs in the background: the answer is the job, `GET .../purges/:id` reads its progress. Records a `purge.requested` event."
    })),
    HttpApiEndpoint.get("getPurge", "/api/v1/teams/:team/purges/:id", {
      params: PurgePath,
      success: PurgeJob,
      error: [...readErrors, managementError(404)]
    }).annotateMerge(OpenApi.annotations({ summary: "A purge's progress" }))
  )
  .middleware(ManagementAuth)
  .middleware(ManagementErrors)
  .annotateMerge(OpenApi.annotations({
    title: "Retention",
    description: "Size budgets, eviction and purges (read scope; purging needs admin)"
  }))
{}

/** The management groups, in the order the document lists them. */
export const managementGroups = [EventsGroup, AnalyticsGroup, ArtifactsGroup, RetentionGroup, DownloadsGroup] as const

/** The management API on its own: what `ManagementRoutes` serves (`HoardApi` documents it with the rest). */
export class ManagementApi extends HttpApi.make("management").add(...managementGroups) {}
