import { Cause, Effect, Exit, Layer, Stream } from "effect"
import { ArtifactStorage } from "../storage/ArtifactStorage.ts"
import type { ArtifactKey, ArtifactStorageShape } from "../storage/ArtifactStorage.ts"
import { observeStorageCall } from "./metrics.ts"

/**
 * Times every storage call (`hoard_storage_operation_duration_seconds`,
 * `hoard_storage_operation_errors_total`, by operation and backend) and runs
 * it in a child span (`storage.get`, ...), so traces show where a request
 * waited. Streams are passed through untouched: a get is timed until its body
 * may be read, a put until the object is stored.
 */
export const instrumentStorage = (storage: ArtifactStorageShape): ArtifactStorageShape => {
  const backend = storage.backend ?? "custom"
  const observed = <A, E, R>(operation: string, effect: Effect.Effect<A, E, R>, key?: ArtifactKey) =>
    Effect.suspend(() => {
      const started = performance.now()
      return effect.pipe(
        Effect.onExit((exit) =>
          observeStorageCall(operation, backend, performance.now() - started, Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause))
        ),
        Effect.withSpan(`storage.${operation}`, {
          attributes: {
            "hoard.storage.backend": backend,
            ...(key !== undefined && { "hoard.artifact.hash": key.hash })
          }
        })
      )
    })
  const observedStream = <A, E>(operation: string, stream: Stream.Stream<A, E>) =>
    Stream.unwrap(Effect.sync(() => {
      const started = performance.now()
      return stream.pipe(
        Stream.onExit((exit) => observeStorageCall(operation, backend, performance.now() - started, Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause)))
      )
    }))
  return {
    ...storage,
    put: (key, body, options) => observed("put", storage.put(key, body, options), key),
    get: (key) => observed("get", storage.get(key), key),
    head: (key) => observed("head", storage.head(key), key),
    delete: (key) => observed("delete", storage.delete(key), key),
    list: (options) => observedStream("list", storage.list(options)),
    namespaces: observedStream("namespaces", storage.namespaces),
    check: observed("check", storage.check)
  }
}

/** The storage in context, instrumented. */
export const layerInstrumented = <E, R>(storage: Layer.Layer<ArtifactStorage, E, R>): Layer.Layer<ArtifactStorage, E, R> =>
  Layer.effect(ArtifactStorage, Effect.map(Effect.service(ArtifactStorage), instrumentStorage)).pipe(Layer.provide(storage))
