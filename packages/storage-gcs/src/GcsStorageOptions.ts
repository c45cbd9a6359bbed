import type { StorageOptions } from "@google-cloud/storage"
import { StorageError } from "@hoard/core"
import { Effect } from "effect"

/** How requests that are safe to repeat (reads, listing, the readiness check) are retried. */
export interface GcsRetryOptions {
  /** Retries after the first attempt; `0` turns retries off. Default 2. */
  readonly maxRetries?: number
  /** Stop retrying once this much time has passed since the first attempt, in ms. Default 10 000. */
  readonly totalTimeoutMs?: number
  /** Longest wait between two attempts, in ms. Default 2 000. */
  readonly maxDelayMs?: number
  /** Factor by which the wait between attempts grows. Default 2. */
  readonly delayMultiplier?: number
}

export interface GcsStorageOptions {
  /** The bucket artifacts are stored in. It must already exist. */
  readonly bucket: string
  /** Object-name prefix, e.g. `turbo/cache`: keys become `<prefix>/<namespace>/<hash>`. */
  readonly prefix?: string
  /** Google Cloud project; by default inferred from the credentials or the environment. */
  readonly projectId?: string
  /** A service-account key file (or any credential JSON) instead of Application Default Credentials. */
  readonly keyFilename?: string
  /** Credentials given inline (`client_email` and `private_key`) instead of Application Default Credentials. */
  readonly credentials?: StorageOptions["credentials"]
  /** A custom endpoint, e.g. a Private Service Connect host. Requests to it are authenticated. */
  readonly apiEndpoint?: string
  /**
   * A local emulator, e.g. `http://127.0.0.1:9199`: used as the endpoint, without
   * authentication. Takes precedence over `apiEndpoint`.
   */
  readonly emulatorHost?: string
  /**
   * How long the backend may take before an operation fails, in ms: each
   * metadata, listing or delete call (its retries included), starting an
   * upload, accepting the next bytes of an upload, answering an upload or a
   * download, and delivering the next bytes of a download. Time spent waiting
   * on the client (its upload body, or its reading of a download) never counts.
   * Default 30 000.
   */
  readonly requestTimeoutMs?: number
  /** Retries of idempotent requests, bounded so that a dead backend fails in seconds. */
  readonly retry?: GcsRetryOptions
  /** Any other `@google-cloud/storage` constructor option; the options above take precedence. */
  readonly storageOptions?: StorageOptions
}

export const defaultRequestTimeoutMs = 30_000

export const defaultRetry: Required<GcsRetryOptions> = {
  maxRetries: 2,
  totalTimeoutMs: 10_000,
  maxDelayMs: 2_000,
  delayMultiplier: 2
}

// https://cloud.google.com/storage/docs/buckets#naming
const bucketComponent = /^[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?$/u

/** Why `name` is not a valid bucket name, or `undefined` when it is. */
export const bucketNameProblem = (name: string): string | undefined => {
  if (name.length < 3 || name.length > 222) return "a bucket name has 3 to 222 characters"
  const components = name.split(".")
  if (components.length === 1 && name.length > 63) return "a bucket name without dots has at most 63 characters"
  if (!components.every((component) => bucketComponent.test(component))) {
    return "a bucket name uses lowercase letters, digits, '-', '_' and '.', and starts and ends with a letter or digit"
  }
  return undefined
}

/** The prefix without leading or trailing slashes (`""` for none), or a reason it is unusable. */
export const normalizePrefix = (prefix: string | undefined): { readonly prefix: string } | { readonly problem: string } => {
  const trimmed = (prefix ?? "").replace(/^\/+|\/+$/gu, "")
  if (trimmed === "") return { prefix: "" }
  if (/[\u0000-\u001f\u007f]/u.test(trimmed)) return { problem: "the prefix contains control characters" }
  const segments = trimmed.split("/")
  if (segments.some((segment) => segment === "" || segment === "." || segment === "..")) {
    return { problem: "the prefix has an empty, '.' or '..' segment" }
  }
  if (Buffer.byteLength(trimmed) > 512) return { problem: "the prefix is longer than 512 bytes" }
  return { prefix: trimmed }
}

const invalidOptions = (message: string) => new StorageError({ operation: "check", message })

/** Checks the options that need no request; returns the normalized prefix and the timeout. */
export const validateOptions = (options: GcsStorageOptions) =>
  Effect.gen(function*() {
    const bucketProblem = bucketNameProblem(options.bucket)
    if (bucketProblem !== undefined) {
      return yield* invalidOptions(`invalid GCS bucket name "${options.bucket}": ${bucketProblem}`)
    }
    const prefix = normalizePrefix(options.prefix)
    if ("problem" in prefix) return yield* invalidOptions(`invalid GCS key prefix "${options.prefix}": ${prefix.problem}`)
    const timeoutMs = options.requestTimeoutMs ?? defaultRequestTimeoutMs
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) {
      return yield* invalidOptions(`invalid GCS requestTimeoutMs ${timeoutMs}: a positive number of milliseconds`)
    }
    const retry = options.retry ?? {}
    for (const [name, value] of Object.entries(retry)) {
      if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
        return yield* invalidOptions(`invalid GCS retry.${name} ${value}: a non-negative number`)
      }
    }
    return { prefix: prefix.prefix, timeoutMs }
  })
