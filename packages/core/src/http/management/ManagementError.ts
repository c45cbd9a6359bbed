import { Effect, Layer, Schema, SchemaIssue, SchemaTransformation } from "effect"
import { HttpServerResponse } from "effect/http"
import type { HttpApiEndpoint } from "effect/http-api"
import { HttpApiError, HttpApiMiddleware, HttpApiSchema } from "effect/http-api"
import type { unhandled } from "effect/Types"
import { ApiError, internalError } from "../ApiError.ts"
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

export type ManagementStatus = 400 | 401 | 403 | 404 | 410 | 429 | 503

/** The body of an `ApiError`, with the id the app tagged the request with (its `x-request-id`). */
const bodyOf = (error: ApiError): Effect.Effect<ManagementErrorBody> =>
  Effect.map(Effect.service(RequestState), ({ requestId }) => ({
    error_code: error.code,
    message: error.message,
    request_id: requestId,
    details: error.details ?? null
  }))

/**
 * The errors of the management API at one status: an `ApiError` with that
 * status, encoded as the management body. Handlers and middleware fail with
 * plain `ApiError`s; HttpApi encodes a failure with the first of the
 * endpoint's error schemas that accepts it, and each of these accepts only
 * its own status, so the status on the wire is the error's. All statuses
 * share one encoded schema: the OpenAPI document has one `ManagementError`.
 */
const withStatus = (status: ManagementStatus) =>
  ManagementErrorBody.pipe(
    Schema.decodeTo(
      Schema.declare((input): input is ApiError => input instanceof ApiError && input.status === status),
      SchemaTransformation.transformEffect({
        // What a generated client would do with the body: rebuild the ApiError.
        decode: (body) =>
          Effect.succeed(
            new ApiError({
              status,
              code: body.error_code,
              message: body.message,
              ...(body.details !== null && { details: body.details })
            })
          ),
        encode: bodyOf
      })
    ),
    HttpApiSchema.status(status)
  )

/** The 429 also carries the error's `retry-after` header. */
const rateLimited = withStatus(429).pipe(
  HttpApiSchema.encodeToWithHeaders({
    body: withStatus(429),
    headers: {
      "retry-after": Schema.String.annotate({ description: "Seconds until the token's budget allows a request again" })
    }
  }, {
    decode: ({ body, headers }) =>
      new ApiError({
        status: 429,
        code: body.code,
        message: body.message,
        ...(body.details !== undefined && { details: body.details }),
        headers
      }),
    encode: (error) => ({ body: error, headers: { "retry-after": error.headers?.["retry-after"] ?? "1" } })
  })
)

type ManagementErrorSchema = ReturnType<typeof withStatus> | typeof rateLimited

// One schema per status: endpoints and middleware declaring the same status
// share it, and the OpenAPI document lists it once.
const schemas = new Map<ManagementStatus, ManagementErrorSchema>([[429, rateLimited]])

/** The error schema for one status, for an endpoint's or a middleware's `error` list. */
export const managementError = (status: ManagementStatus): ManagementErrorSchema => {
  let schema = schemas.get(status)
  if (schema === undefined) {
    schema = withStatus(status)
    schemas.set(status, schema)
  }
  return schema
}

/** A 400 naming the parameter that was wrong. */
export const invalidParameter = (
  field: string,
  location: "path" | "query" | "body",
  message: string,
  issues?: ReadonlyArray<{ readonly path: ReadonlyArray<string>; readonly message: string }>
): ApiError =>
  new ApiError({
    status: 400,
    code: "bad_request",
    message: location === "body"
      ? `invalid request body${field === "?" ? "" : ` field ${field}`}: ${message}`
      : `invalid ${location} parameter ${field}: ${message}`,
    details: { field, location, ...(issues !== undefined && { issues }) }
  })

const standardFormatter = SchemaIssue.makeFormatterStandardSchemaV1()

/**
 * The 400 for a path, query or body that does not decode with the endpoint's
 * schemas: `details.field` names the first bad parameter, `details.issues`
 * lists them all.
 */
export const invalidRequest = (location: "path" | "query" | "body", error: Schema.SchemaError): ApiError => {
  const issues = standardFormatter(error.issue).issues.map((issue) => ({
    path: (issue.path ?? []).map((segment) =>
      String(typeof segment === "object" && segment !== null ? segment.key : segment)
    ),
    message: issue.message
  }))
  const first = issues[0]
  return invalidParameter(first?.path[0] ?? "?", location, first?.message ?? "invalid", issues)
}

/**
 * The outermost middleware of every management endpoint, so that what is not
 * an `ApiError` gets the management body too: a path or query HttpApi cannot
 * decode is a 400 naming the field; a crash, or an answer that does not
 * encode, is logged and answered with a 500 (left out of the OpenAPI document,
 * like any unexpected error). `ApiError`s pass through for HttpApi to encode
 * with the endpoint's error schemas.
 */
export class ManagementErrors extends HttpApiMiddleware.Service<ManagementErrors>()("@hoard/core/ManagementErrors", {
  error: managementError(400)
}) {}

/** Answers an `ApiError` with the management body without HttpApi's encoding (for what no schema declares). */
const respond = (error: ApiError): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
  Effect.map(bodyOf(error), (body) =>
    HttpServerResponse.jsonUnsafe(body, {
      status: error.status,
      ...(error.headers !== undefined && { headers: error.headers })
    }))

const crashed = (cause: unknown) =>
  Effect.logError("management request crashed", cause).pipe(Effect.andThen(respond(internalError())))

/**
 * Whether one of the endpoint's error schemas (its own or its middleware's)
 * accepts an error. One that none accepts would not encode: HttpApi would
 * turn it into a defect.
 */
const declaredBy = (endpoint: HttpApiEndpoint.Top): (error: ApiError) => boolean => {
  const schemas = [...endpoint.error]
  for (const middleware of endpoint.middlewares) schemas.push(...(middleware as HttpApiMiddleware.AnyService).error)
  const accepts = schemas.map((schema) => Schema.is(schema))
  return (error) => accepts.some((accept) => accept(error))
}

export const layerManagementErrors: Layer.Layer<ManagementErrors> = Layer.succeed(
  ManagementErrors,
  // Applied once per endpoint, when the routes are built.
  (httpEffect, { endpoint }) => {
    const declared = declaredBy(endpoint)
    return httpEffect.pipe(
      Effect.catch((error): Effect.Effect<HttpServerResponse.HttpServerResponse, ApiError | unhandled> => {
        if (error instanceof ApiError) {
          if (declared(error)) return Effect.fail(error)
          // The document is missing this status: answer as the error says, and say so in the log.
          return Effect.logWarning(`${endpoint.identifier} answered ${error.status}, which its HttpApi does not declare`)
            .pipe(Effect.andThen(respond(error)))
        }
        if (!HttpApiError.HttpApiSchemaError.is(error)) return Effect.fail(error)
        if (error.kind === "Params") return Effect.fail(invalidRequest("path", error.cause))
        if (error.kind === "Query") return Effect.fail(invalidRequest("query", error.cause))
        if (error.kind === "Payload") return Effect.fail(invalidRequest("body", error.cause))
        return crashed(error)
      }),
      Effect.catchDefect(crashed)
    )
  }
)
