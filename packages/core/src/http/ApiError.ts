import { Data, Effect } from "effect"
import { HttpServerResponse } from "effect/http"
import type { StorageError } from "../storage/ArtifactStorage.ts"

export interface ApiErrorFields {
  readonly status: number
  readonly code: string
  readonly message: string
  /** Machine-readable specifics (e.g. the invalid field), for the management API's body. */
  readonly details?: unknown
  /** Extra response headers, e.g. `retry-after` on a 429. */
  readonly headers?: Readonly<Record<string, string>>
}

/**
 * An error answered to the client. The body is the shape turbo reads:
 * `{"error":{"code":"...","message":"..."}}` (it only parses wrapped errors).
 */
export class ApiError extends Data.TaggedError("ApiError")<ApiErrorFields> {
  // An ApiError is an answer, not a bug: its stack is never shown, and
  // capturing one was the largest single cost of a miss (turbo's most common request).
  constructor(fields: ApiErrorFields) {
    const stackTraceLimit = Error.stackTraceLimit
    Error.stackTraceLimit = 0
    try {
      super(fields)
    } finally {
      Error.stackTraceLimit = stackTraceLimit
    }
  }
}

export const badRequest = (message: string) => new ApiError({ status: 400, code: "bad_request", message })
export const unauthorized = (message: string) => new ApiError({ status: 401, code: "unauthorized", message })
export const forbidden = (message: string) => new ApiError({ status: 403, code: "forbidden", message })
export const notFound = (message: string) => new ApiError({ status: 404, code: "not_found", message })
export const lengthRequired = (message: string) => new ApiError({ status: 411, code: "length_required", message })
export const payloadTooLarge = (message: string) => new ApiError({ status: 413, code: "payload_too_large", message })

// The 5xx errors carry fixed messages: what went wrong inside (a path, an
// errno, a stack) goes to the log under the request id, never to the client.

/** The storage backend failed while doing `action` (fixed words, e.g. "read the artifact"). */
export const storageUnavailable = (action: string) =>
  new ApiError({ status: 503, code: "storage_unavailable", message: `storage is unavailable: could not ${action}` })
export const internalError = () => new ApiError({ status: 500, code: "internal_error", message: "internal error" })

export const tooManyRequests = (message: string, retryAfterMs: number) =>
  new ApiError({
    status: 429,
    code: "rate_limited",
    message,
    headers: { "retry-after": String(Math.max(1, Math.ceil(retryAfterMs / 1000))) }
  })

/**
 * The answer to an `ApiError`. A 5xx also carries the request id (as in the
 * `x-request-id` header), so a report from a user leads to the log line with
 * the cause; turbo ignores the extra field. 4xx bodies keep exactly turbo's shape.
 */
export const errorResponse = (error: ApiError, requestId: string): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.jsonUnsafe({
    error: error.status >= 500
      ? { code: error.code, message: error.message, requestId }
      : { code: error.code, message: error.message }
  }, {
    status: error.status,
    ...(error.headers !== undefined && { headers: error.headers })
  })

/**
 * The 404 answer to `message`, as `errorResponse(notFound(message))` gives
 * it, built without the error: a miss is turbo's most common answer.
 */
export const notFoundResponse = (message: string): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.jsonUnsafe({ error: { code: "not_found", message } }, { status: 404 })

/**
 * Turns a backend failure into a 503 (never a miss): the client gets the
 * fixed `storage_unavailable` body, the log gets the `StorageError` (path,
 * errno, cause) under the request's `requestId` annotation. turbo retries a
 * 503 once on reads and counts it toward its outage breaker.
 */
export const storageFailure = (action: string) => (error: StorageError): Effect.Effect<never, ApiError> =>
  Effect.logError(`storage failed to ${action}`, error).pipe(
    Effect.andThen(Effect.fail(storageUnavailable(action)))
  )
