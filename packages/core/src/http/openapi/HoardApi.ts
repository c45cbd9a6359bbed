import { Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { AnalyticsGroup, ArtifactsGroup, DownloadsGroup, EventsGroup, RetentionGroup } from "../management/ManagementApi.ts"
import { managementStatusDescriptions } from "../management/ManagementError.ts"
import { ToolsGroup } from "./ToolsApi.ts"
import { AccountGroup, TurboGroup, turboStatusDescriptions } from "./TurboApi.ts"

const errorDescriptions: Record<string, Readonly<Record<number, string>>> = {
  "#/components/schemas/ManagementError": managementStatusDescriptions,
  "#/components/schemas/TurboError": turboStatusDescriptions
}

/** Gives each error response the meaning of its status (the shared error schemas cannot carry one per status). */
const describeErrorResponses = (spec: Record<string, any>): Record<string, any> => {
  for (const item of Object.values(spec.paths ?? {}) as Array<Record<string, any>>) {
    for (const operation of Object.values(item)) {
      for (const [status, response] of Object.entries(operation?.responses ?? {}) as Array<[string, any]>) {
        const ref: unknown = response?.content?.["application/json"]?.schema?.$ref
        const description = typeof ref === "string" ? errorDescriptions[ref]?.[Number(status)] : undefined
        if (description !== undefined) response.description = description
      }
    }
  }
  return spec
}

/** `/openapi.json` and `/docs` themselves (no token needed). */
export class DocsGroup extends HttpApiGroup.make("docs")
  .add(
    HttpApiEndpoint.get("openapi", "/openapi.json", {
      success: Schema.Record(Schema.String, Schema.Unknown).annotate({ description: "This OpenAPI 3.1 document" })
    }).annotateMerge(OpenApi.annotations({ summary: "This document" })),
    HttpApiEndpoint.get("docs", "/docs", {
      success: Schema.String.pipe(HttpApiSchema.asText({ contentType: "text/html" }))
    }).annotateMerge(OpenApi.annotations({ summary: "The API reference page (Scalar, served without a CDN)" }))
  )
  .annotateMerge(OpenApi.annotations({ title: "Documentation" }))
{}

const ProbeChecks = Schema.Struct({ storage: Schema.Literals(["ok", "failing"]), index: Schema.Literals(["ok", "failing"]) })

/** `/healthz` and `/readyz` for load balancers and Kubernetes (no token needed). */
export class ProbesGroup extends HttpApiGroup.make("probes")
  .add(
    HttpApiEndpoint.get("healthz", "/healthz", {
      success: Schema.Struct({ status: Schema.Literal("ok") })
    }).annotateMerge(OpenApi.annotations({ summary: "Liveness: the process answers (no I/O)" })),
    HttpApiEndpoint.get("readyz", "/readyz", {
      success: Schema.Struct({ status: Schema.Literal("ready"), checks: ProbeChecks }),
      error: Schema.Struct({
        status: Schema.Literal("unavailable"),
        failing: Schema.Array(Schema.Literals(["storage", "index"])),
        checks: ProbeChecks
      }).pipe(HttpApiSchema.status(503))
    }).annotateMerge(OpenApi.annotations({
      summary: "Readiness: storage and the cache index answer; 503 names the failing part (the cause is in the log)"
    }))
  )
  .annotateMerge(OpenApi.annotations({ title: "Probes" }))
{}

/**
 * Every route Hoard serves, as one HttpApi: the turbo protocol, the account
 * endpoints, the management API and the documentation. `/openapi.json` and
 * `/docs` are generated from it; a test checks it against the routes the
 * server registers.
 */
export class HoardApi extends HttpApi.make("hoard")
  .add(TurboGroup, AccountGroup, ToolsGroup, EventsGroup, AnalyticsGroup, ArtifactsGroup, RetentionGroup, DownloadsGroup, DocsGroup, ProbesGroup)
  .annotateMerge(OpenApi.annotations({
    title: "Hoard",
    version: "1.0.0",
    description:
      "A self-hosted Turborepo remote cache. The `/v8` and `/v2` endpoints speak the Turborepo Remote Cache protocol as " +
      "the `turbo` client does; `/api/v1` is Hoard's management API (activity, analytics, artifacts, signed downloads). " +
      "Paths are relative to where Hoard is mounted (its base path).",
    transform: describeErrorResponses
  }))
{}
