import { StorageError } from "@hoard/core"

type Operation = StorageError["operation"]

/** What the adapter knows about where a request went, for messages. */
export interface ErrorContext {
  readonly bucket: string
  readonly endpointLabel: string
}

interface SdkErrorFields {
  readonly name?: unknown
  readonly message?: unknown
  readonly code?: unknown
  readonly Code?: unknown
  readonly $metadata?: { readonly httpStatusCode?: number; readonly attempts?: number }
  readonly errors?: ReadonlyArray<unknown>
}

const fieldsOf = (error: unknown): SdkErrorFields => (typeof error === "object" && error !== null ? error : {})

export const httpStatusOf = (error: unknown): number | undefined => fieldsOf(error).$metadata?.httpStatusCode

const uninformativeCodes = new Set(["", "Error", "AggregateError", "Unknown", "UnknownError"])

/** The S3 error code (`NoSuchKey`...) or Node's system error code (`ECONNREFUSED`...). */
export const errorCodeOf = (error: unknown): string | undefined => {
  const fields = fieldsOf(error)
  for (const candidate of [fields.Code, fields.code, fields.name]) {
    if (typeof candidate === "string" && !uninformativeCodes.has(candidate)) {
      return candidate
    }
  }
  // Node reports a failed connect to a host with several addresses as an AggregateError.
  const inner = fields.errors?.[0]
  return inner === undefined ? undefined : errorCodeOf(inner)
}

/** HeadObject answers a miss with a bare 404; GetObject with NoSuchKey. */
export const isNotFound = (error: unknown): boolean => {
  const code = errorCodeOf(error)
  return code === "NoSuchKey" || code === "NotFound" || (httpStatusOf(error) === 404 && code !== "NoSuchBucket")
}

const messageOf = (error: unknown): string => {
  const message = fieldsOf(error).message
  if (typeof message === "string" && message !== "" && message !== "UnknownError") return message
  const inner = fieldsOf(error).errors?.[0]
  return inner === undefined ? "" : messageOf(inner)
}

const networkCodes: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "the connection was reset",
  EPIPE: "the connection was closed while sending",
  ENOTFOUND: "the host name does not resolve",
  EAI_AGAIN: "the host name could not be resolved (DNS)",
  EHOSTUNREACH: "the host is unreachable",
  ENETUNREACH: "the network is unreachable",
  ETIMEDOUT: "timed out",
  TimeoutError: "timed out"
}

const credentialCodes = new Set([
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "InvalidToken",
  "TokenRefreshRequired",
  "AccessDenied",
  "AllAccessDisabled",
  "InvalidClientTokenId"
])

/** One line saying what went wrong, in terms an operator can act on. */
export const describeS3Error = (error: unknown, context: ErrorContext): string => {
  const code = errorCodeOf(error)
  const status = httpStatusOf(error)
  const message = messageOf(error)
  const attempts = fieldsOf(error).$metadata?.attempts
  const after = attempts !== undefined && attempts > 1 ? ` after ${attempts} attempts` : ""
  const detail = [code, status === undefined ? undefined : `HTTP ${status}`].filter(Boolean).join(", ")
  const suffix = `${detail === "" ? "" : ` (${detail})`}${message === "" || message === code ? "" : `: ${message}`}`

  if (code !== undefined && Object.hasOwn(networkCodes, code)) {
    return `cannot reach S3 at ${context.endpointLabel}: ${networkCodes[code]}${after}${suffix}`
  }
  if (code === "CredentialsProviderError") {
    return `no AWS credentials found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or pass credentials)${suffix}`
  }
  if (/Region is missing/u.test(message)) {
    return "no AWS region configured: set AWS_REGION, the region option, or ?region= in the storage URL"
  }
  if (code === "NoSuchBucket") return `the bucket "${context.bucket}" does not exist at ${context.endpointLabel}${suffix}`
  if ((code !== undefined && credentialCodes.has(code)) || status === 403) {
    return `S3 refused the credentials or the request is not allowed on bucket "${context.bucket}"${suffix}`
  }
  if (code === "PermanentRedirect" || code === "AuthorizationHeaderMalformed" || status === 301) {
    return `the bucket "${context.bucket}" is in another region than the one configured${suffix}`
  }
  return `S3 request failed${after}${suffix === "" ? `: ${String(error)}` : suffix}`
}

/** A StorageError for a failed S3 request: `action` says what Hoard was doing. */
export const storageError = (operation: Operation, action: string, error: unknown, context: ErrorContext) =>
  new StorageError({ operation, message: `${action}: ${describeS3Error(error, context)}`, cause: error })
