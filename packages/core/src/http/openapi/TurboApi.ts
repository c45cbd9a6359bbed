import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { TeamStatus } from "../../access/Team.ts"
import { TurboHash } from "../../domain/ArtifactHash.ts"
import { Namespace } from "../../domain/Namespace.ts"
import { UsageEventBatch } from "../../domain/UsageEvent.ts"
import { UploadHeaders } from "../routes/artifactHeaders.ts"
import { QueryRequest } from "../routes/query.ts"
import { BearerToken } from "./security.ts"

/**
 * The Turborepo Remote Cache protocol (`/v8`) and the account endpoints
 * `turbo link` calls (`/v2`), described for the OpenAPI document. These routes
 * are hand-written HttpRouter routes (`HoardRoutes`) for streaming and speed;
 * the request schemas here are the ones those routes validate with.
 */

/** The error body turbo reads (it only parses the wrapped form). */
export const TurboError = Schema.Struct({
  error: Schema.Struct({ code: Schema.String, message: Schema.String })
}).annotate({ identifier: "TurboError", description: "turbo's error body" })

/** What each status means on a turbo endpoint, for the OpenAPI document. */
export const turboStatusDescriptions: Readonly<Record<number, string>> = {
  400: "Invalid hash, team, header or body; or no team given",
  401: "No bearer token, or an invalid one",
  403: "The token may not do this on the team (`forbidden`), or the team's cache is disabled, paused or over its quota (`remote_caching_*`)",
  404: "No such artifact (a miss) or team",
  411: "No Content-Length on an upload",
  413: "Larger than the server accepts",
  429: "The token is over its rate limit (`rate_limited`)",
  500: "An unexpected server error",
  503: "The storage backend failed (never reported as a miss)"
}

const turboError = (status: 400 | 401 | 403 | 404 | 411 | 413 | 429 | 503) => TurboError.pipe(HttpApiSchema.status(status))

const authErrors = [
  turboError(400),
  turboError(401),
  turboError(403),
  turboError(429),
  turboError(503)
] as const

/** `teamId` (`team_...`, TURBO_TEAMID) and/or `slug` (TURBO_TEAM): both name the same team. */
const TeamQuery = {
  teamId: Schema.optionalKey(Namespace.annotate({ description: "The team id (TURBO_TEAMID); wins over `slug` in an open setup" })),
  slug: Schema.optionalKey(Namespace.annotate({ description: "The team slug (TURBO_TEAM)" }))
}

const HashPath = { hash: TurboHash }

/** The stored metadata a hit (and a signed download) is answered with, verbatim. */
export const ArtifactHeaders = {
  "content-length": Schema.String,
  "x-artifact-duration": Schema.String.annotate({ description: "The task's duration in ms: the time a hit saves" }),
  "x-artifact-tag": Schema.optionalKey(Schema.String),
  "x-artifact-sha": Schema.optionalKey(Schema.String),
  "x-artifact-dirty-hash": Schema.optionalKey(Schema.String)
}

const QueryHit = Schema.Struct({
  size: Schema.Int,
  taskDurationMs: Schema.Int,
  tag: Schema.optionalKey(Schema.String)
})

export class TurboGroup extends HttpApiGroup.make("turbo")
  .add(
    HttpApiEndpoint.get("status", "/v8/artifacts/status", {
      query: TeamQuery,
      success: Schema.Struct({ status: TeamStatus }),
      error: authErrors
    }).annotateMerge(OpenApi.annotations({ summary: "The team's caching status (`turbo login --manual` checks it)" })),
    HttpApiEndpoint.get("downloadArtifact", "/v8/artifacts/:hash", {
      params: HashPath,
      query: TeamQuery,
      success: HttpApiSchema.WithHeaders(
        HttpApiSchema.StreamUint8Array({ contentType: "application/octet-stream" }),
        ArtifactHeaders
      ),
      error: [...authErrors, turboError(404)]
    }).annotateMerge(OpenApi.annotations({ summary: "Download an artifact (streamed)" })),
    HttpApiEndpoint.head("artifactExists", "/v8/artifacts/:hash", {
      params: HashPath,
      query: TeamQuery,
      success: HttpApiSchema.WithHeaders(HttpApiSchema.Empty(200), ArtifactHeaders),
      error: [...authErrors, turboError(404)]
    }).annotateMerge(OpenApi.annotations({ summary: "Whether an artifact exists, with its headers" })),
    HttpApiEndpoint.put("uploadArtifact", "/v8/artifacts/:hash", {
      params: HashPath,
      query: TeamQuery,
      headers: {
        "content-length": Schema.String.annotate({ description: "Required: artifacts are uploaded with a known size" }),
        ...UploadHeaders.fields
      },
      payload: HttpApiSchema.StreamUint8Array({ contentType: "application/octet-stream" }),
      success: Schema.Struct({ urls: Schema.Array(Schema.String) }).pipe(HttpApiSchema.status(202)),
      error: [
        ...authErrors,
        turboError(411),
        turboError(413)
      ]
    }).annotateMerge(OpenApi.annotations({ summary: "Upload an artifact (streamed to storage; overwrites are accepted)" })),
    HttpApiEndpoint.post("queryArtifacts", "/v8/artifacts", {
      query: TeamQuery,
      payload: QueryRequest,
      success: Schema.Record(Schema.String, Schema.NullOr(QueryHit)).annotate({
        description: "Keyed by hash: null for a miss"
      }),
      error: [...authErrors, turboError(413)]
    }).annotateMerge(OpenApi.annotations({ summary: "Which of these artifacts exist (`turbo run --dry`)" })),
    HttpApiEndpoint.post("recordEvents", "/v8/artifacts/events", {
      query: TeamQuery,
      headers: { "x-artifact-client-ci": Schema.optionalKey(Schema.String) },
      payload: UsageEventBatch,
      success: HttpApiSchema.Empty(200),
      error: [...authErrors, turboError(413)]
    }).annotateMerge(OpenApi.annotations({
      summary: "turbo's cache usage events (HIT/MISS per task)",
      description: "Recorded as `usage.hit`/`usage.miss` activity events, which the analytics endpoint summarizes."
    }))
  )
  .middleware(BearerToken)
  // Added after `middleware`: a preflight carries no token.
  .add(
    HttpApiEndpoint.options("preflight", "/v8/artifacts/:hash", {
      params: HashPath,
      success: HttpApiSchema.NoContent
    }).annotateMerge(OpenApi.annotations({
      summary: "CORS preflight (turbo `--preflight`)",
      description: "Answered for every path under `/v8/artifacts/` (`status` and `events` too), without a token."
    }))
  )
  .annotateMerge(OpenApi.annotations({
    title: "Remote cache (turbo)",
    description: "The Turborepo Remote Cache API, as the `turbo` client speaks it. Errors use turbo's `{\"error\":{...}}` body."
  }))
{}

const Membership = Schema.Struct({ role: Schema.Literals(["OWNER", "MEMBER", "VIEWER"]) })

/** A team as `turbo link` parses it; `membership.role` is the token's scope (admin, read-write, read). */
export const AccountTeam = Schema.Struct({
  id: Schema.String,
  slug: Schema.String,
  name: Schema.String,
  createdAt: Schema.Int,
  created: Schema.String,
  membership: Membership
}).annotate({ identifier: "AccountTeam" })

export class AccountGroup extends HttpApiGroup.make("account")
  .add(
    HttpApiEndpoint.get("user", "/v2/user", {
      success: Schema.Struct({
        user: Schema.Struct({
          id: Schema.String,
          username: Schema.String,
          email: Schema.String,
          name: Schema.String,
          createdAt: Schema.Int
        })
      }),
      error: authErrors
    }).annotateMerge(OpenApi.annotations({ summary: "The \"user\": the token itself (`turbo link`)" })),
    HttpApiEndpoint.get("teams", "/v2/teams", {
      query: { limit: Schema.optionalKey(Schema.String.annotate({ description: "At most this many (1 to 100)" })) },
      success: Schema.Struct({ teams: Schema.Array(AccountTeam) }),
      error: authErrors
    }).annotateMerge(OpenApi.annotations({ summary: "The teams the token may use (`turbo link`)" })),
    HttpApiEndpoint.get("team", "/v2/teams/:teamId", {
      params: { teamId: Schema.String },
      success: AccountTeam,
      error: [...authErrors, turboError(404)]
    }).annotateMerge(OpenApi.annotations({ summary: "One team (turbo's SSO check)" }))
  )
  .middleware(BearerToken)
  .annotateMerge(OpenApi.annotations({
    title: "Account (turbo link)",
    description: "The `/v2` endpoints `turbo link` calls, in the shapes it parses."
  }))
{}
