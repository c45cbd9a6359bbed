import { Context, Layer } from "effect"

export interface HoardConfigShape {
  /** Largest accepted artifact, in bytes (413 above it). */
  readonly maxArtifactBytes: number
  /** Largest accepted JSON request body (batch query, events), in bytes. */
  readonly maxJsonBytes: number
}

export const defaultConfig: HoardConfigShape = {
  maxArtifactBytes: 2 * 1024 * 1024 * 1024,
  maxJsonBytes: 1024 * 1024
}

/** Limits of the protocol layer. */
export class HoardConfig extends Context.Service<HoardConfig, HoardConfigShape>()("@hoard/core/HoardConfig") {
  static readonly layer = (options: Partial<HoardConfigShape> = {}): Layer.Layer<HoardConfig> =>
    Layer.succeed(HoardConfig, HoardConfig.of({ ...defaultConfig, ...options }))
}
