import { Effect, Exit, Schema, SchemaIssue } from "effect"
import { HttpServerResponse } from "effect/http"
import { HttpApiSchema } from "effect/http-api"
import type { IndexError, InvalidCursor } from "../../index/CacheIndex.ts"
import type { StorageError } from "../../storage/ArtifactStorage.ts"
import { ApiError, internalError, storageUnavailable } from "../ApiError.ts"
import { RequestState } from "../RequestState.ts"

/**
 * The one error body of the management API (`/api/v1`). The `/v8` routes keep
 * turbo's `{"error":{"code","message"}}` instead.
 */
export const ManagementErrorBody = Schema.Struct({
  /** Stable, machine-readable: `bad_request`, `unauthorized`, `forbidden`, `not_found`, `invalid_signature`, `link_expired`, `rate_limited`, `storage_unavailable`... */
  error_code: Schema.String,
  message: Schema.String,
  /** The request's `x-request-id`, to find it in the server log. */
  request_id: Schema.String,
  /** Specifics, e.g. `{ "field": "limit", ... }` for a bad parameter; null when there are none. */
  details: Schema.NullOr(Schema.Unknown)
}).annotate({ identifier: "ManagementError", description: "The error body of every management endpoint" })
export type ManagementErrorBody = typeof ManagementErrorBody.Type

/** What each status means on a management endpoint, for the OpenAPI document. */
export const managementStatusDescriptions: Readonly<Record<number, string>> = {
  400: "A path or query parameter is invalid; `details.field` names it",
  401: "No bearer token, or an invalid one",
  403: "The token may not do this on this team (`forbidden`), or the signed link was altered (`invalid_signature`)",
  404: "No such event, artifact or team",
  410: "The signed link has expired (`link_expired`)",
  429: "The token is over its rate limit (`rate_limited`; see `retry-after`)",
  500: "An unexpected server error",
  503: "The storage backend failed (`storage_unavailable`) or the cache index cannot be read (`index_unavailable`)"
}

/** The error body with one status, for an endpoint's `error` list in the HttpApi. */
export const managementError = (status: 400 | 401 | 403 | 404 | 410 | 429 | 503) =>
  ManagementErrorBody.pipe(HttpApiSchema.status(status))

const encodeBody = Schema.encodeSync(ManagementErrorBody)

/** The id the app tagged the request with (the response's `x-request-id`). */
const currentRequestId: Effect.Effect<string> = Effect.gen(function*() {
  return (yield* RequestState).requestId
})

/** Answers an `ApiError` with the management body, keeping its status and extra headers. */
export const managementErrorResponse = (error: ApiError): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
  Effect.map(currentRequestId, (requestId) =>
    HttpServerResponse.jsonUnsafe(
      encodeBody({
        error_code: error.code,
        message: error.message,
        request_id: requestId,
        details: error.details ?? null
      }),
      { status: error.status, ...(error.headers !== undefined && { headers: error.headers }) }
    ))

/**
 * Runs a management handler and answers every failure with the management
 * body: `ApiError`s keep their status (those from `authorizeTeam` included),
 * storage and index failures become 503s (the log has the details), an unknown cursor a 400, and a defect a 500.
 */
export const handleManagement = <R>(
  handler: Effect.Effect<HttpServerResponse.HttpServerResponse, ApiError | StorageError | IndexError | InvalidCursor, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, never, R> =>
  handler.pipe(
    Effect.catch((error) =>
      Effect.andThen(
        error._tag === "IndexError" ? Effect.logError("management request: the cache index failed", error) : Effect.void,
        managementErrorResponse(toApiError(error))
      )
    ),
    Effect.catchDefect((defect) =>
      Effect.logError("management request crashed", defect).pipe(
        Effect.andThen(managementErrorResponse(internalError("internal error")))
      )
    )
  )

const toApiError = (error: ApiError | StorageError | IndexError | InvalidCursor): ApiError => {
  switch (error._tag) {
    case "ApiError":
      return error
    case "InvalidCursor":
      return invalidParameter("cursor", "query", error.message)
    case "StorageError":
      return storageUnavailable(`storage failed: ${error.message}`)
    case "IndexError":
      return new ApiError({
        status: 503,
        code: "index_unavailable",
        message: "the cache index cannot be read right now; artifacts are still served, try again shortly"
      })
  }
}

/** A 400 naming the parameter that was wrong. */
export const invalidParameter = (
  field: string,
  location: "path" | "query",
  message: string,
  issues?: ReadonlyArray<{ readonly path: ReadonlyArray<string>; readonly message: string }>
): ApiError =>
  new ApiError({
    status: 400,
    code: "bad_request",
    message: `invalid ${location} parameter ${field}: ${message}`,
    details: { field, location, ...(issues !== undefined && { issues }) }
  })

const standardFormatter = SchemaIssue.makeFormatterStandardSchemaV1()

/**
 * Decodes path or query parameters with the schema the HttpApi documents; a
 * failure is a 400 whose `details.field` names the first bad parameter.
 */
export const decodeParameters = <S extends Schema.Top>(schema: S, location: "path" | "query") => {
  const decode = Schema.decodeUnknownExit(schema as unknown as Schema.Codec<S["Type"], unknown>)
  return (input: unknown): Effect.Effect<S["Type"], ApiError> => {
    const exit = decode(input)
    if (Exit.isSuccess(exit)) return Effect.succeed(exit.value)
    const error = Exit.findErrorOption(exit)
    if (error._tag === "None") return Effect.fail(invalidParameter("?", location, "could not be decoded"))
    const issues = standardFormatter(error.value.issue).issues.map((issue) => ({
      path: (issue.path ?? []).map((segment) =>
        String(typeof segment === "object" && segment !== null ? segment.key : segment)
      ),
      message: issue.message
    }))
    const first = issues[0]
    const field = first?.path[0] ?? "?"
    return Effect.fail(invalidParameter(field, location, first?.message ?? "invalid", issues))
  }
}

