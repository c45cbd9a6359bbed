import type { StoragePipelineOptions, StorageRetryOptions } from "@azure/storage-blob"
import type { TokenCredential } from "@azure/identity"

/** How the adapter signs in to the storage account. */
export type AzureCredentials =
  /** A storage connection string; its `BlobEndpoint` (if any) is the endpoint. */
  | { readonly connectionString: string }
  /** An account name and one of its access keys (Shared Key). */
  | { readonly accountName: string; readonly accountKey: string }
  /** Microsoft Entra ID, e.g. `new DefaultAzureCredential()` from `@azure/identity`. */
  | { readonly accountName: string; readonly tokenCredential: TokenCredential }

export interface AzureStorageOptions {
  /** The container holding the artifacts. */
  readonly container: string
  /** Blob names are `<prefix>/<namespace>/<hash>`; no prefix by default. */
  readonly prefix?: string
  readonly credentials: AzureCredentials
  /**
   * The Blob service URL, e.g. `https://<account>.blob.core.windows.net` (the
   * default for account-name credentials) or an Azurite URL. Connection
   * strings carry their own endpoint, so this must not be set with one.
   */
  readonly endpoint?: string
  /** Create the container at startup when it is missing. Default false. */
  readonly createContainer?: boolean
  /**
   * Passed to the SDK client as they are (proxy, keep-alive, user agent,
   * HTTP client...). `retryOptions` are merged over `defaultRetryOptions`.
   */
  readonly pipeline?: StoragePipelineOptions
  /**
   * Client-side limit, in milliseconds, for one SDK call including its
   * retries (head, stage a block, commit, list a page, start a download...),
   * and for the wait for the next chunk of a download. Default 30 s.
   */
  readonly timeoutMs?: number
  /** Size of one staged block, and the largest artifact sent in a single request. Default 4 MiB. */
  readonly blockSize?: number
  /**
   * Blocks of one upload staged at once. An upload holds at most about
   * `blockSize × (maxConcurrency + 2)` bytes in memory. Default 4.
   */
  readonly maxConcurrency?: number
  /** Entries per page when listing a namespace's artifacts or the namespaces (Azure's maximum is 5000). Default 1000. */
  readonly listPageSize?: number
}

/** Few, quick retries: a dead backend should fail within seconds, not minutes. */
export const defaultRetryOptions: StorageRetryOptions = {
  maxTries: 3,
  retryDelayInMs: 200,
  maxRetryDelayInMs: 2_000
}

export const defaultTimeoutMs = 30_000
export const defaultBlockSize = 4 * 1024 * 1024
export const defaultMaxConcurrency = 4
export const defaultListPageSize = 1000
/** Azure's largest list page. */
export const maxListPageSize = 5000

/** Options with every default filled in. */
export interface ResolvedOptions {
  readonly container: string
  readonly prefix: string
  readonly timeoutMs: number
  readonly blockSize: number
  readonly maxConcurrency: number
  readonly listPageSize: number
  readonly createContainer: boolean
}
