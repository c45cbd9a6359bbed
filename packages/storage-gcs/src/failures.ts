import { isNetworkErrorCode, StorageError } from "@hoard/core"

type Operation = StorageError["operation"]

/** Where requests go, for error messages. */
export interface FailureContext {
  readonly bucket: string
  readonly endpoint: string
}

const permissionOf: Record<Operation, string> = {
  put: "storage.objects.create (and storage.objects.delete to overwrite)",
  get: "storage.objects.get",
  head: "storage.objects.get",
  delete: "storage.objects.delete",
  list: "storage.objects.list",
  namespaces: "storage.objects.list",
  check: "storage.objects.list"
}

const field = (value: unknown, name: string): unknown =>
  typeof value === "object" && value !== null ? (value as Record<string, unknown>)[name] : undefined

/** The HTTP status of an SDK error (`ApiError.code`, or a gaxios `status`), if any. */
export const statusOf = (error: unknown): number | undefined => {
  for (const candidate of [field(error, "code"), field(error, "status"), field(field(error, "response"), "status")]) {
    if (typeof candidate === "number") return candidate
  }
  return undefined
}

const messageOf = (error: unknown): string =>
  error instanceof Error ? error.message : typeof error === "string" ? error : String(field(error, "message") ?? error)

/** A socket-level error code (ECONNREFUSED...) found on the error or its causes. */
const networkCodeOf = (error: unknown): string | undefined => {
  for (let current = error, depth = 0; current !== undefined && depth < 5; current = field(current, "cause"), depth++) {
    const code = field(current, "code")
    if (typeof code === "string" && isNetworkErrorCode(code)) return code
  }
  const match = /\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH)\b/u.exec(messageOf(error))
  return match?.[1]
}

const isBucketMissing = (error: unknown): boolean =>
  statusOf(error) === 404 && /bucket does not exist/iu.test(messageOf(error))

/** A 404 about the object itself: a miss. A 404 about the bucket is a failure. */
export const isObjectMissing = (error: unknown): boolean => statusOf(error) === 404 && !isBucketMissing(error)

/** Raised by this adapter when the backend stays silent too long. */
export class BackendTimeout extends Error {
  readonly timeoutMs: number
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`)
    this.timeoutMs = timeoutMs
    this.name = "BackendTimeout"
  }
}

const explain = (operation: Operation, error: unknown, context: FailureContext): string => {
  if (error instanceof BackendTimeout) {
    return `${context.endpoint} did not answer within ${error.timeoutMs} ms`
  }
  const status = statusOf(error)
  const message = messageOf(error).replace(/\s+/gu, " ").trim()
  if (isBucketMissing(error)) return `bucket "${context.bucket}" does not exist (HTTP 404)`
  if (status === 401) {
    return `the credentials were refused (HTTP 401: ${message}); check GOOGLE_APPLICATION_CREDENTIALS, keyFilename or credentials`
  }
  if (status === 403) {
    return `permission denied (HTTP 403: ${message}); the account needs ${
      permissionOf[operation]
    } on bucket "${context.bucket}", e.g. through roles/storage.objectAdmin`
  }
  const network = networkCodeOf(error)
  if (network !== undefined) return `cannot reach ${context.endpoint} (${network}: ${message})`
  if (status === undefined && /credential|private key|DECODER|PEM|key ?file|ENOENT|invalid_grant|token/iu.test(message)) {
    return `could not obtain credentials (${message}); check GOOGLE_APPLICATION_CREDENTIALS, keyFilename or credentials`
  }
  return status === undefined ? message : `HTTP ${status}: ${message}`
}

/** A StorageError naming what failed, why, and what to check; the SDK error is kept as the cause. */
export const storageError = (
  operation: Operation,
  what: string,
  error: unknown,
  context: FailureContext
): StorageError => new StorageError({ operation, message: `${what} failed: ${explain(operation, error, context)}`, cause: error })
