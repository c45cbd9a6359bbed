import { Effect } from "effect"
import { Auth } from "../auth/Auth.ts"
import type { AuthShape } from "../auth/Auth.ts"
import { EventSink } from "../events/EventSink.ts"
import type { EventSinkShape } from "../events/EventSink.ts"
import { HoardConfig } from "../HoardConfig.ts"
import type { HoardConfigShape } from "../HoardConfig.ts"
import { ArtifactStorage } from "../storage/ArtifactStorage.ts"
import type { ArtifactStorageShape } from "../storage/ArtifactStorage.ts"

/** The services the protocol handlers use, captured once when the routes are built. */
export interface Services {
  readonly storage: ArtifactStorageShape
  readonly auth: AuthShape
  readonly events: EventSinkShape
  readonly config: HoardConfigShape
}

export const Services = Effect.gen(function*() {
  return {
    storage: yield* ArtifactStorage,
    auth: yield* Auth,
    events: yield* EventSink,
    config: yield* HoardConfig
  } satisfies Services
})
