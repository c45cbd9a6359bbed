import { Context, Layer } from "effect"

export interface HoardConfigShape {
  /** Largest accepted artifact, in bytes (413 above it). */
  readonly maxArtifactBytes: number
  /** Largest accepted JSON request body (batch query, events), in bytes. */
  readonly maxJsonBytes: number
  /** How long a signed download link from the management API stays valid, in seconds. Default 300. */
  readonly downloadUrlTtlSeconds: number
  /**
   * The HMAC-SHA256 key signed download links are signed with. Default: a
   * random key per process, so links only work on the replica that made
   * them; several replicas behind one address need one shared secret.
   */
  readonly downloadUrlSecret?: string | undefined
  /**
   * The URL clients reach Hoard at, base path included (e.g.
   * `https://cache.example.com/hoard`), for the absolute links the management
   * API hands out. Default: from the request's `Host` and `X-Forwarded-Proto`.
   */
  readonly publicUrl?: string | undefined
}

export const defaultConfig: HoardConfigShape = {
  maxArtifactBytes: 2 * 1024 * 1024 * 1024,
  maxJsonBytes: 1024 * 1024,
  downloadUrlTtlSeconds: 300
}

/** Limits and settings of the protocol layer. */
export class HoardConfig extends Context.Service<HoardConfig, HoardConfigShape>()("@hoard/core/HoardConfig") {
  static readonly layer = (options: Partial<HoardConfigShape> = {}): Layer.Layer<HoardConfig> => {
    const config = { ...defaultConfig, ...options }
    if (!Number.isFinite(config.downloadUrlTtlSeconds) || config.downloadUrlTtlSeconds <= 0) {
      throw new Error(`downloadUrlTtlSeconds must be a positive number of seconds, got ${config.downloadUrlTtlSeconds}`)
    }
    if (config.downloadUrlSecret !== undefined && config.downloadUrlSecret.length < 32) {
      throw new Error("downloadUrlSecret must be at least 32 characters")
    }
    return Layer.succeed(HoardConfig, HoardConfig.of(config))
  }
}
