import type { Layer } from "effect"
import type { ArtifactStorage, EventSink } from "@hoard/core"

/** What the protocol suite asks a transport to start. */
export interface StartOptions {
  readonly storage: Layer.Layer<ArtifactStorage, unknown>
  readonly events: Layer.Layer<EventSink>
  readonly tokens: ReadonlyArray<string>
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
