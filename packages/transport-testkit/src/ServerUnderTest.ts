import type { Layer } from "effect"
import type { AccessConfig, ArtifactStorage, CacheIndex } from "@hoard/core"

/** What the protocol suite asks a transport to start (a subset of `Hoard.layer`'s options). */
export interface StartOptions {
  readonly storage: Layer.Layer<ArtifactStorage, unknown>
  /** The cache index; the transport's default when absent. */
  readonly index?: Layer.Layer<CacheIndex, unknown>
  readonly tokens?: ReadonlyArray<string>
  readonly access?: AccessConfig
  readonly maxArtifactBytes: number
  readonly basePath?: string
}

/** A Hoard server listening on a loopback port. */
export interface ServerUnderTest {
  /** Base URL including the base path, as a user would put in TURBO_API. */
  readonly url: string
  readonly close: () => Promise<void>
}

export type StartServer = (options: StartOptions) => Promise<ServerUnderTest>
