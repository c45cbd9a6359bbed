import { Storage } from "@google-cloud/storage"
import type { StorageOptions } from "@google-cloud/storage"
import { Effect } from "effect"
import { defaultRetry } from "./GcsStorageOptions.ts"
import type { GcsStorageOptions } from "./GcsStorageOptions.ts"

export interface GcsClients {
  /** Reads, listings, deletes and the readiness check. */
  readonly storage: Storage
  /**
   * Only creates resumable-upload sessions. `File#createResumableUpload` in
   * @google-cloud/storage 8.4 sets its client's shared `retryOptions.maxRetries`
   * to 0 for good, so it gets a client of its own (sharing the credentials).
   */
  readonly sessions: Storage
  /** Where requests go, e.g. `https://storage.googleapis.com`. */
  readonly endpoint: string
  /** The media (download) URL of one generation of an object. */
  readonly mediaUrl: (bucket: string, name: string, generation: string) => URL
  /** The headers that authenticate a request to `url`: none for an emulator. */
  readonly authorize: (url: URL) => Effect.Effect<Record<string, string>, unknown>
}

const storageOptionsOf = (options: GcsStorageOptions): StorageOptions => {
  const retry = { ...defaultRetry, ...options.retry }
  const endpoint = options.emulatorHost ?? options.apiEndpoint
  const passedThrough = options.storageOptions ?? {}
  return {
    ...passedThrough,
    ...(options.projectId !== undefined && { projectId: options.projectId }),
    ...(options.keyFilename !== undefined && { keyFilename: options.keyFilename }),
    ...(options.credentials !== undefined && { credentials: options.credentials }),
    ...(endpoint !== undefined && { apiEndpoint: endpoint }),
    // The SDK sends no credentials to a custom endpoint unless told to; an
    // emulator wants none, a real custom endpoint needs them.
    ...(options.emulatorHost === undefined && options.apiEndpoint !== undefined &&
      passedThrough.useAuthWithCustomEndpoint === undefined && { useAuthWithCustomEndpoint: true }),
    retryOptions: {
      ...passedThrough.retryOptions,
      // The SDK treats `maxRetries: 0` as "use the default (3)".
      autoRetry: retry.maxRetries > 0,
      maxRetries: Math.max(1, retry.maxRetries),
      totalTimeout: retry.totalTimeoutMs / 1000,
      maxRetryDelay: retry.maxDelayMs / 1000,
      retryDelayMultiplier: retry.delayMultiplier
    }
  }
}

export const makeClients = (options: GcsStorageOptions): GcsClients => {
  const storageOptions = storageOptionsOf(options)
  const storage = new Storage(storageOptions)
  const sessions = new Storage({ ...storageOptions, authClient: storage.authClient })
  // The SDK's own rule: a custom endpoint gets credentials only when asked for.
  const sendsCredentials = !storage.customEndpoint || storage.useAuthWithCustomEndpoint === true
  return {
    storage,
    sessions,
    endpoint: storage.apiEndpoint,
    mediaUrl: (bucket, name, generation) => {
      const url = new URL(
        `${storage.apiEndpoint}/download/storage/v1/b/${encodeURIComponent(bucket)}/o/${encodeURIComponent(name)}`
      )
      url.searchParams.set("alt", "media")
      url.searchParams.set("generation", generation)
      return url
    },
    authorize: (url) =>
      sendsCredentials
        ? Effect.tryPromise({ try: () => storage.authClient.getRequestHeaders(url.href), catch: (error) => error }).pipe(
          Effect.map((headers) => Object.fromEntries(headers.entries()))
        )
        : Effect.succeed({})
  }
}
