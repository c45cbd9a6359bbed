import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "effect/http-api"
import { BearerToken } from "./security.ts"

/**
 * The other build tools' cache protocols (`http/tools/`), described for the
 * OpenAPI document. Like `/v8`, they are hand-written routes; these entries
 * say what each answers. Gradle, ccache and Bazel may send the token as the
 * password of HTTP Basic credentials instead of a bearer token.
 */

const Text = Schema.String.pipe(HttpApiSchema.asText())
const textError = (status: 400 | 401 | 403 | 404 | 409 | 411 | 413 | 429 | 503) => Text.pipe(HttpApiSchema.status(status))
const errors = [textError(400), textError(401), textError(403), textError(404), textError(429), textError(503)] as const
const uploadErrors = [textError(400), textError(401), textError(403), textError(411), textError(413), textError(429), textError(503)] as const

const Entry = HttpApiSchema.StreamUint8Array({ contentType: "application/octet-stream" })
const Team = Schema.String.annotate({ description: "The team's slug or id" })
const Key = Schema.String.annotate({ description: "The tool's cache key: 2 to 128 letters and digits" })
const Digest = Schema.String.annotate({ description: "A SHA-256, 64 lowercase hex characters" })

const nxParams = { team: Team, hash: Key }
const ccacheSubdirs = { team: Team, shard: Key, rest: Key }

export class ToolsGroup extends HttpApiGroup.make("tools")
  .add(
    HttpApiEndpoint.get("nxGet", "/nx/:team/v1/cache/:hash", { params: nxParams, success: Entry, error: [textError(401), textError(404)] })
      .annotateMerge(OpenApi.annotations({
        summary: "Nx: download a task's outputs",
        description: "Only 200, 404 or 401: any other refusal or fault is logged and answered 404, since Nx ends the run on other codes."
      })),
    HttpApiEndpoint.put("nxPut", "/nx/:team/v1/cache/:hash", {
      params: nxParams,
      payload: Entry,
      success: HttpApiSchema.Empty(200),
      error: [...uploadErrors, textError(409)]
    }).annotateMerge(OpenApi.annotations({ summary: "Nx: upload a task's outputs (write-once: 409 for an existing record)" })),
    HttpApiEndpoint.get("nxGetOwnTeam", "/v1/cache/:hash", { params: { hash: Key }, success: Entry, error: [textError(401), textError(404)] })
      .annotateMerge(OpenApi.annotations({ summary: "Nx at the bare server URL: as /nx/{team}, for a token bound to one team" })),
    HttpApiEndpoint.put("nxPutOwnTeam", "/v1/cache/:hash", {
      params: { hash: Key },
      payload: Entry,
      success: HttpApiSchema.Empty(200),
      error: [...uploadErrors, textError(409)]
    }).annotateMerge(OpenApi.annotations({ summary: "Nx at the bare server URL: upload, for a token bound to one team" })),
    HttpApiEndpoint.get("gradleGet", "/gradle/:team/:key", { params: { team: Team, key: Key }, success: Entry, error: errors })
      .annotateMerge(OpenApi.annotations({ summary: "Gradle HTTP build cache: load an entry" })),
    HttpApiEndpoint.put("gradlePut", "/gradle/:team/:key", {
      params: { team: Team, key: Key },
      payload: Entry,
      success: HttpApiSchema.Empty(200),
      error: uploadErrors
    }).annotateMerge(OpenApi.annotations({
      summary: "Gradle HTTP build cache: store an entry",
      description: "No room in a budget or quota is 413, which current Gradle releases take as a refused entry and go on (4.4 turns its remote cache off, like on any other error)."
    })),
    HttpApiEndpoint.get("ccacheGet", "/ccache/:team/:shard/:rest", { params: ccacheSubdirs, success: Entry, error: errors })
      .annotateMerge(OpenApi.annotations({ summary: "ccache (subdirs layout): load an entry; HEAD asks whether it exists" })),
    HttpApiEndpoint.put("ccachePut", "/ccache/:team/:shard/:rest", {
      params: ccacheSubdirs,
      payload: Entry,
      success: HttpApiSchema.Empty(200),
      error: uploadErrors
    }).annotateMerge(OpenApi.annotations({ summary: "ccache (subdirs layout): store an entry" })),
    HttpApiEndpoint.delete("ccacheDelete", "/ccache/:team/:shard/:rest", { params: ccacheSubdirs, success: HttpApiSchema.Empty(200), error: errors })
      .annotateMerge(OpenApi.annotations({ summary: "ccache (subdirs layout): remove an entry (200 whether or not it was there)" })),
    HttpApiEndpoint.get("ccacheGetFlat", "/ccache/:team/:key", { params: { team: Team, key: Key }, success: Entry, error: errors })
      .annotateMerge(OpenApi.annotations({ summary: "ccache (flat layout): load an entry; the same entry as in subdirs" })),
    HttpApiEndpoint.put("ccachePutFlat", "/ccache/:team/:key", {
      params: { team: Team, key: Key },
      payload: Entry,
      success: HttpApiSchema.Empty(200),
      error: uploadErrors
    }).annotateMerge(OpenApi.annotations({ summary: "ccache (flat layout): store an entry" })),
    HttpApiEndpoint.delete("ccacheDeleteFlat", "/ccache/:team/:key", { params: { team: Team, key: Key }, success: HttpApiSchema.Empty(200), error: errors })
      .annotateMerge(OpenApi.annotations({ summary: "ccache (flat layout): remove an entry" })),
    HttpApiEndpoint.get("bazelGetAction", "/bazel/:team/ac/:hash", { params: { team: Team, hash: Digest }, success: Entry, error: errors })
      .annotateMerge(OpenApi.annotations({ summary: "Bazel: load an action result" })),
    HttpApiEndpoint.put("bazelPutAction", "/bazel/:team/ac/:hash", {
      params: { team: Team, hash: Digest },
      payload: Entry,
      success: HttpApiSchema.Empty(200),
      error: uploadErrors
    }).annotateMerge(OpenApi.annotations({ summary: "Bazel: store an action result (as sent)" })),
    HttpApiEndpoint.get("bazelGetContent", "/bazel/:team/cas/:hash", { params: { team: Team, hash: Digest }, success: Entry, error: errors })
      .annotateMerge(OpenApi.annotations({ summary: "Bazel: load content by its SHA-256" })),
    HttpApiEndpoint.put("bazelPutContent", "/bazel/:team/cas/:hash", {
      params: { team: Team, hash: Digest },
      payload: Entry,
      success: HttpApiSchema.Empty(200),
      error: uploadErrors
    }).annotateMerge(OpenApi.annotations({ summary: "Bazel: store content; 400 and nothing stored unless its SHA-256 is the key" }))
  )
  .middleware(BearerToken)
  .annotateMerge(OpenApi.annotations({
    title: "Other build tools",
    description:
      "Nx, Gradle, ccache and Bazel caches on the same storage, teams and tokens. Errors are plain text. " +
      "Gradle, ccache and Bazel may send the token as the password of HTTP Basic credentials."
  }))
{}
