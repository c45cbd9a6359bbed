import { Context } from "effect"

/**
 * What one client may hold of the server while uploading. Slow and stalled
 * uploads each keep a socket and a temp file (or a multipart upload) open, so
 * they are bounded in number and in how slowly they may send.
 */
export interface UploadLimitsShape {
  /** Uploads in progress at once; beyond it a PUT gets 503 with `Retry-After`. Default 256. */
  readonly maxConcurrent: number
  /** Uploads in progress at once with one token; beyond it a PUT gets 429 with `Retry-After`. Default 64. */
  readonly maxConcurrentPerToken: number
  /**
   * The slowest accepted upload, in bytes per second: a client that sends
   * less than this over `rateWindowMillis` of the server waiting on it is cut
   * off with 408 and nothing is stored. Time the server spends writing to
   * storage does not count against the client. Default 10 KiB/s; 0 turns it off.
   */
  readonly minBytesPerSecond: number
  /** The window the upload rate is measured over, in milliseconds. Default 30 seconds. */
  readonly rateWindowMillis: number
}

export const defaultUploadLimits: UploadLimitsShape = {
  maxConcurrent: 256,
  maxConcurrentPerToken: 64,
  minBytesPerSecond: 10 * 1024,
  rateWindowMillis: 30_000
}

/** The upload limits; the defaults apply unless a layer provides others. */
export const UploadLimits = Context.Reference<UploadLimitsShape>("@hoard/core/UploadLimits", {
  defaultValue: () => defaultUploadLimits
})
