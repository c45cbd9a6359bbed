import { Data, Effect } from "effect"
import { HttpServerResponse } from "effect/http"
import type { StorageError } from "../storage/ArtifactStorage.ts"

/**
 * An error answered to the client. The body is the shape turbo reads:
 * `{"error":{"code":"...","message":"..."}}` (it only parses wrapped errors).
 */
export class ApiError extends Data.TaggedError("ApiError")<{
  readonly status: number
  readonly code: string
  readonly message: string
  /** Machine-readable specifics (e.g. the invalid field), for the management API's body. */
  readonly details?: unknown
  /** Extra response headers, e.g. `retry-after` on a 429. */
  readonly headers?: Readonly<Record<string, string>>
}> {}

export const badRequest = (message: string) => new ApiError({ status: 400, code: "bad_request", message })
export const unauthorized = (message: string) => new ApiError({ status: 401, code: "unauthorized", message })
export const forbidden = (message: string) => new ApiError({ status: 403, code: "forbidden", message })
export const notFound = (message: string) => new ApiError({ status: 404, code: "not_found", message })
export const lengthRequired = (message: string) => new ApiError({ status: 411, code: "length_required", message })
export const payloadTooLarge = (message: string) => new ApiError({ status: 413, code: "payload_too_large", message })
export const storageUnavailable = (message: string) =>
  new ApiError({ status: 503, code: "storage_unavailable", message })
export const internalError = (message: string) => new ApiError({ status: 500, code: "internal_error", message })

export const tooManyRequests = (message: string, retryAfterMs: number) =>
  new ApiError({
    status: 429,
    code: "rate_limited",
    message,
    headers: { "retry-after": String(Math.max(1, Math.ceil(retryAfterMs / 1000))) }
  })

export const errorResponse = (error: ApiError): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.jsonUnsafe({ error: { code: error.code, message: error.message } }, {
    status: error.status,
    ...(error.headers !== undefined && { headers: error.headers })
  })

/**
 * Turns a backend failure into a 503 (never a miss), logging the cause for the
 * operator. turbo retries a 503 once on reads and counts it toward its outage breaker.
 */
export const storageFailure = (action: string) => (error: StorageError): Effect.Effect<never, ApiError> =>
  Effect.logError(`storage failed to ${action}`, error).pipe(
    Effect.andThen(Effect.fail(storageUnavailable(`storage failed to ${action}: ${error.message}`)))
  )
