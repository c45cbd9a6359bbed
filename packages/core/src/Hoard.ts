import { Layer } from "effect"
import { Auth, layerStaticTokens } from "./auth/Auth.ts"
import type { StaticToken } from "./auth/Auth.ts"
import { EventSink, layerMemoryEventSink } from "./events/EventSink.ts"
import { HoardConfig } from "./HoardConfig.ts"
import type { HoardConfigShape } from "./HoardConfig.ts"
import type { ArtifactStorage } from "./storage/ArtifactStorage.ts"

/** Everything the Hoard routes need. */
export type HoardServices = ArtifactStorage | Auth | EventSink | HoardConfig

export interface HoardOptions<E = never> extends Partial<HoardConfigShape> {
  /** The storage backend, e.g. `FsStorage.layer({ directory })`. */
  readonly storage: Layer.Layer<ArtifactStorage, E>
  /** Accepted bearer tokens. Give `tokens` or `auth`. */
  readonly tokens?: ReadonlyArray<string | StaticToken>
  /** A custom authentication layer instead of `tokens` (`layerAllowAll` for an open cache). */
  readonly auth?: Layer.Layer<Auth>
  /** Where usage events go; defaults to a bounded in-memory buffer. */
  readonly events?: Layer.Layer<EventSink>
}

/** Composes the services of a Hoard server from plain options. */
export const layer = <E>(options: HoardOptions<E>): Layer.Layer<HoardServices, E> => {
  const { auth, events, storage, tokens, ...config } = options
  if (auth === undefined && (tokens === undefined || tokens.length === 0)) {
    throw new Error("Hoard needs `tokens` (at least one) or an `auth` layer (`layerAllowAll` for an open cache)")
  }
  return Layer.mergeAll(
    storage,
    auth ?? layerStaticTokens(tokens!),
    events ?? layerMemoryEventSink(),
    HoardConfig.layer(config)
  )
}
