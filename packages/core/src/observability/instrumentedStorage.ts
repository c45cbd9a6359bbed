import { Cause, Effect, Exit, Layer, Option, Stream } from "effect"
import { ArtifactStorage, StorageError } from "../storage/ArtifactStorage.ts"
import type { ArtifactKey, ArtifactStorageShape, StoredArtifact } from "../storage/ArtifactStorage.ts"
import { countStorageError, storageCallRecorder } from "./metrics.ts"
import { withChildSpan } from "./spans.ts"

/** Whether the backend failed: a put whose body failed (the client went away) or an interruption is not its fault. */
const storageFailed = (exit: Exit.Exit<unknown, unknown>): boolean => {
  if (Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause)) return false
  const error = Cause.findErrorOption(exit.cause)
  return Option.isNone(error) || error.value instanceof StorageError
}

const storageOperations = ["put", "get", "head", "delete", "list", "namespaces", "check"] as const
type StorageOperation = typeof storageOperations[number]

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
  const recorders = Object.fromEntries(
    storageOperations.map((operation) => [operation, storageCallRecorder(operation, backend)])
  ) as Record<StorageOperation, ReturnType<typeof storageCallRecorder>>
  /** Times one call, recording it when it exits (synchronously: no effect to run per call). */
  const observed = <A, E, R>(operation: StorageOperation, effect: Effect.Effect<A, E, R>, key?: ArtifactKey) => {
    const record = recorders[operation]
    const timed = Effect.withFiber<A, E, R>((fiber) => {
      const started = performance.now()
      return Effect.onExitPrimitive(effect, (exit) => {
        record(performance.now() - started, storageFailed(exit), fiber.context)
        return undefined
      })
    })
    return withChildSpan(timed, `storage.${operation}`, () => ({
      attributes: {
        "hoard.storage.backend": backend,
        ...(key !== undefined && { "hoard.team.id": key.namespace, "hoard.artifact.hash": key.hash })
      }
    }))
  }
  const observedStream = <A, E>(operation: StorageOperation, stream: Stream.Stream<A, E>) => {
    const record = recorders[operation]
    return Stream.unwrap(Effect.withFiber((fiber) => {
      const started = performance.now()
      return Effect.succeed(stream.pipe(
        Stream.onExit((exit) => Effect.sync(() => record(performance.now() - started, storageFailed(exit), fiber.context)))
      ))
    }))
  }
  const countBodyErrors = Option.map((artifact: StoredArtifact): StoredArtifact => ({
    ...artifact,
    body: artifact.body.pipe(Stream.tapError(() => countStorageError("get", backend)))
  }))
  return {
    ...storage,
    put: (key, body, options) => observed("put", storage.put(key, body, options), key),
    get: (key) => observed("get", Effect.map(storage.get(key), countBodyErrors), key),
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
