import type { S3ClientConfig } from "@aws-sdk/client-s3"

/** How to reach the bucket and how to talk to it. Only `bucket` is required. */
export interface S3StorageOptions {
  readonly bucket: string
  /** Objects are stored at `<prefix>/<namespace>/<hash>`; no prefix by default. */
  readonly prefix?: string | undefined
  /** Defaults to the SDK's chain (AWS_REGION, the profile's region); `us-east-1` when only an endpoint is set. */
  readonly region?: string | undefined
  /** An S3-compatible endpoint (R2, MinIO, Ceph...), e.g. `https://<account>.r2.cloudflarestorage.com`. */
  readonly endpoint?: string | undefined
  /** `/<bucket>/<key>` URLs instead of `<bucket>.<host>`; defaults to true when `endpoint` is set. */
  readonly forcePathStyle?: boolean | undefined
  /** Explicit keys or a provider; defaults to the SDK's default chain (env, profile, SSO, IMDS, ECS...). */
  readonly credentials?: S3ClientConfig["credentials"] | undefined
  /** Bytes per multipart part (at least 5 MiB). An upload holds at most about `partSize × (queueSize + 1)` bytes. */
  readonly partSize?: number | undefined
  /** Parts uploaded in parallel per artifact. */
  readonly queueSize?: number | undefined
  /** Attempts per S3 request, the first included (the SDK's standard retry with backoff). */
  readonly maxAttempts?: number | undefined
  /** Milliseconds to wait for a TCP/TLS connection. */
  readonly connectionTimeout?: number | undefined
  /** Milliseconds a request may stay silent (no byte sent or received) before it fails. */
  readonly socketTimeout?: number | undefined
  /** HeadObject requests in flight while listing (S3 lists keys without their metadata). */
  readonly listConcurrency?: number | undefined
  /** Keys per ListObjectsV2 request (S3 returns at most 1000). */
  readonly listPageSize?: number | undefined
  /**
   * Passed to `new S3Client(...)` last, so it overrides everything above. Set
   * `requestChecksumCalculation: "WHEN_REQUIRED"` and `responseChecksumValidation:
   * "WHEN_REQUIRED"` for R2, older MinIO, Ceph radosgw and GCS interoperability.
   */
  readonly clientConfig?: S3ClientConfig | undefined
}

export const defaults = {
  partSize: 5 * 1024 * 1024,
  queueSize: 4,
  maxAttempts: 3,
  connectionTimeout: 3_000,
  socketTimeout: 5_000,
  listConcurrency: 8,
  listPageSize: 1000
} as const

/** The options with defaults filled in and checked. */
export interface ResolvedOptions {
  readonly bucket: string
  readonly prefix: string
  readonly partSize: number
  readonly queueSize: number
  readonly listConcurrency: number
  readonly listPageSize: number
  readonly clientConfig: S3ClientConfig
  /** Where requests go, for messages. */
  readonly endpointLabel: string
}

const minPartSize = 5 * 1024 * 1024

/** Fills in defaults; returns a message naming the bad option when one is invalid. */
export const resolveOptions = (options: S3StorageOptions): ResolvedOptions | string => {
  const bucket = options.bucket.trim()
  if (bucket === "") return "the S3 bucket name is empty"
  const partSize = options.partSize ?? defaults.partSize
  if (!Number.isSafeInteger(partSize) || partSize < minPartSize) {
    return `partSize must be an integer of at least ${minPartSize} bytes (5 MiB, the S3 minimum), got ${partSize}`
  }
  const counts = {
    queueSize: options.queueSize ?? defaults.queueSize,
    maxAttempts: options.maxAttempts ?? defaults.maxAttempts,
    listConcurrency: options.listConcurrency ?? defaults.listConcurrency,
    listPageSize: options.listPageSize ?? defaults.listPageSize
  }
  for (const [name, value] of Object.entries(counts)) {
    if (!Number.isSafeInteger(value) || value < 1) return `${name} must be an integer of at least 1, got ${value}`
  }
  const timeouts = {
    connectionTimeout: options.connectionTimeout ?? defaults.connectionTimeout,
    socketTimeout: options.socketTimeout ?? defaults.socketTimeout
  }
  for (const [name, value] of Object.entries(timeouts)) {
    if (!Number.isFinite(value) || value <= 0) return `${name} must be a positive number of milliseconds, got ${value}`
  }
  if (options.endpoint !== undefined && !URL.canParse(options.endpoint)) {
    return `the S3 endpoint "${options.endpoint}" is not a URL (expected e.g. https://s3.example.com)`
  }

  const clientConfig: S3ClientConfig = {
    maxAttempts: counts.maxAttempts,
    requestHandler: { connectionTimeout: timeouts.connectionTimeout, socketTimeout: timeouts.socketTimeout },
    ...(options.region !== undefined
      ? { region: options.region }
      : options.endpoint !== undefined && { region: "us-east-1" }),
    ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
    forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
    ...(options.credentials !== undefined && { credentials: options.credentials }),
    ...options.clientConfig
  }
  const endpoint = clientConfig.endpoint
  return {
    bucket,
    prefix: normalizePrefix(options.prefix ?? ""),
    partSize,
    queueSize: counts.queueSize,
    listConcurrency: counts.listConcurrency,
    listPageSize: counts.listPageSize,
    clientConfig,
    endpointLabel: typeof endpoint === "string"
      ? endpoint
      : `AWS S3${options.region === undefined ? "" : ` (${options.region})`}`
  }
}

/** `/a//b/` → `a/b`. */
export const normalizePrefix = (prefix: string): string => prefix.split("/").filter((segment) => segment !== "").join("/")
