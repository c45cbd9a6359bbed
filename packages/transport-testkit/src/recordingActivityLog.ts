import { Effect, Layer } from "effect"
import { ActivityLog, StorageActivityLog } from "@hoard/core"
import type { ArtifactStorage, NewActivityEvent } from "@hoard/core"

/**
 * The real persisted activity log, with every recorded event also kept in
 * `recorded` so a test can assert on what the server recorded at once.
 */
export const recordingActivityLog = (): {
  readonly layer: Layer.Layer<ActivityLog, never, ArtifactStorage>
  readonly recorded: Array<NewActivityEvent>
} => {
  const recorded: Array<NewActivityEvent> = []
  const layer = Layer.effect(
    ActivityLog,
    Effect.gen(function*() {
      const log = yield* ActivityLog
      return ActivityLog.of({
        ...log,
        record: (events) => Effect.sync(() => void recorded.push(...events)).pipe(Effect.andThen(log.record(events)))
      })
    })
  ).pipe(Layer.provide(StorageActivityLog.layer()))
  return { layer, recorded }
}
