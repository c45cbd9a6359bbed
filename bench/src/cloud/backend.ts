/** What the benchmark needs from each cloud backend: its emulator, Hoard's settings for it, and a direct SDK client. */

/** Whole-object transfers straight through the cloud SDK, in the bench process. */
export interface SdkTransfer {
  /** Uploads `size` bytes of the shared payload to `key`, with a few metadata entries, as Hoard's adapter does. */
  readonly upload: (key: string, size: number) => Promise<void>
  /** Downloads `key` and discards the bytes; resolves with how many arrived. */
  readonly download: (key: string) => Promise<number>
  /** Closes the client's connections. */
  readonly close: () => Promise<void>
}

/** An emulator that is up, with a bucket (or container) created for the run. */
export interface RunningBackend {
  /** Hoard's `--storage` URL. */
  readonly storageUrl: string
  /** What Hoard needs in its environment to reach the emulator, as the adapter's README documents. */
  readonly hoardEnv: Readonly<Record<string, string>>
  /** How the SDK path uploads and downloads, one line for the report. */
  readonly sdkDescription: string
  readonly sdk: SdkTransfer
  /** The emulator's process ids, for its CPU time. */
  readonly emulatorPids: () => ReadonlyArray<number>
  /** Runs after the uploads of each round, outside the timing (e.g. radosgw's garbage collection). */
  readonly betweenRounds?: () => Promise<void>
  /** Closes the SDK client, stops the emulator and removes its files. */
  readonly stop: () => Promise<void>
}

export type BackendId = "gcs" | "azure" | "s3-fauxqs" | "s3-radosgw"

export interface BackendDefinition {
  readonly id: BackendId
  /** e.g. "GCS (firebase-tools emulator)". */
  readonly label: string
  /** Why this backend cannot run on this machine, or undefined when it can. */
  readonly unavailable: () => string | undefined
  /** Starts the emulator under `workDirectory` and creates the bucket. */
  readonly start: (workDirectory: string, log: (line: string) => void) => Promise<RunningBackend>
}

/** The prefix of every object Hoard writes (`<prefix>/<team>/<hash>`). */
export const hoardPrefix = "hoard"

/** The prefix of every object the SDK path writes. */
export const sdkPrefix = "sdk"

/** Custom metadata the SDK path writes, about the size of what Hoard writes. */
export const sdkMetadata = (size: number): Record<string, string> => ({
  size: String(size),
  "created-at": String(Date.now()),
  "duration-ms": "1234"
})
