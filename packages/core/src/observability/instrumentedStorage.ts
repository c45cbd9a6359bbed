import { Cause, Effect, Exit, Layer, Option, Stream } from "effect"
import { ArtifactStorage, StorageError } from "../storage/ArtifactStorage.ts"
import type { ArtifactKey, ArtifactStorageShape, StoredArtifact } from "../storage/ArtifactStorage.ts"
import { countStorageError, observeStorageCall } from "./metrics.ts"
import { withChildSpan } from "./spans.ts"

/** Whether the backend failed: a put whose body failed (the client went away) or an interruption is not its fault. */
const storageFailed = (exit: Exit.Exit<unknown, unknown>): boolean => {
  if (Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause)) return false
  const error = Cause.findErrorOption(exit.cause)
  return Option.isNone(error) || error.value instanceof StorageError
}

/**
 * Times every storage call (`hoard_storage_operation_duration_seconds`,
 * `hoard_storage_operation_errors_total`, by operation and backend) and runs
 * it in a child span (`storage.get`, ...), so traces show where a request
 * waited. Streams are never buffered: a get is timed until its body may be
 * read (a failure of the body later counts as a get error), a put until the
 * object is stored (so it includes the upload's own pace), a list or the
 * namespaces until the listing ends.
 */
export const instrumentStorage = (storage: ArtifactStorageShape): ArtifactStorageShape => {
  const backend = storage.backend ?? "custom"
  const observed = <A, E, R>(operation: string, effect: Effect.Effect<A, E, R>, key?: ArtifactKey) =>
    Effect.suspend(() => {
      const started = performance.now()
      const timed = Effect.onExit(effect, (exit) => observeStorageCall(operation, backend, performance.now() - started, storageFailed(exit)))
      return withChildSpan(timed, `storage.${operation}`, () => ({
        attributes: {
          "hoard.storage.backend": backend,
          ...(key !== undefined && { "hoard.team.id": key.namespace, "hoard.artifact.hash": key.hash })
        }
      }))
    })
  const observedStream = <A, E>(operation: string, stream: Stream.Stream<A, E>) =>
    Stream.unwrap(Effect.sync(() => {
      const started = performance.now()
      return stream.pipe(
        Stream.onExit((exit) => observeStorageCall(operation, backend, performance.now() - started, storageFailed(exit)))
      )
    }))
  const countBodyErrors = (artifact: StoredArtifact): StoredArtifact => ({
    ...artifact,
    body: artifact.body.pipe(Stream.tapError(() => countStorageError("get", backend)))
  })
  return {
    ...storage,
    put: (key, body, options) => observed("put", storage.put(key, body, options), key),
    get: (key) => observed("get", Effect.map(storage.get(key), Option.map(countBodyErrors)), key),
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
