/**
 * Keeps the cache index in step with storage, which stays the truth for
 * bytes: at start and then every `interval`, walks every namespace's listing
 * page by page and tells the index what it holds (`Stored`) and which of its
 * `success` records storage no longer has (`Gone`). An empty index over a full
 * bucket (an upgrade, a lost SQLite file) converges this way while Hoard
 * serves. Writes go through the `IndexWriter`, a page at a time, waiting for
 * each to be applied: a walk never floods the queue nor delays request events
 * for long.
 *
 * Memory: a walk holds the hashes of one namespace (about 100 bytes each)
 * to find the records whose objects are gone.
 */
import { Effect, Layer, Stream } from "effect"
import type { Duration } from "effect"
import { reservedNamespacePrefix } from "../activity/batchFormat.ts"
import type { Namespace } from "../domain/Namespace.ts"
import { ArtifactStorage } from "../storage/ArtifactStorage.ts"
import { CacheIndex } from "./CacheIndex.ts"
import type { IndexWrite } from "./CacheIndex.ts"
import { importStorageActivity } from "./importStorageActivity.ts"
import { IndexWriter } from "./IndexWriter.ts"

export interface ReconcilerOptions {
  /** Time between two walks of storage (the first runs at start). Default 6 hours. */
  readonly interval?: Duration.Input
  /** Writes per page. Default 500. */
  readonly pageSize?: number
}

export interface WalkResult {
  readonly namespaces: number
  readonly stored: number
  readonly gone: number
}

/** One walk of storage: every namespace storage or the index knows. */
export const reconcileOnce = (options: { readonly pageSize?: number } = {}) =>
  Effect.gen(function*() {
    const storage = yield* ArtifactStorage
    const index = yield* CacheIndex
    const writer = yield* IndexWriter
    const pageSize = options.pageSize ?? 500
    const startedAt = Date.now()
    const namespaces = new Set<string>(yield* index.teams)
    yield* Stream.runForEach(storage.namespaces, (namespace) => Effect.sync(() => namespaces.add(namespace)))
    let stored = 0
    let gone = 0
    for (const namespace of namespaces) {
      if (namespace.startsWith(reservedNamespacePrefix)) continue
      const seen = new Set<string>()
      yield* storage.list({ namespace: namespace as Namespace }).pipe(
        Stream.grouped(pageSize),
        Stream.runForEach((page) => {
          const writes = page.map(({ info, key }): IndexWrite => {
            seen.add(key.hash)
            return { _tag: "Stored", teamId: namespace, hash: key.hash, info }
          })
          stored += writes.length
          return Effect.andThen(writer.enqueue(writes), writer.flush)
        })
      )
      let after: string | undefined
      while (true) {
        const hashes = yield* index.successHashes(namespace, after, pageSize)
        const writes = hashes.filter((hash) => !seen.has(hash)).map((hash): IndexWrite => ({
          _tag: "Gone",
          teamId: namespace,
          hash,
          at: startedAt
        }))
        gone += writes.length
        yield* Effect.andThen(writer.enqueue(writes), writer.flush)
        if (hashes.length < pageSize) break
        after = hashes[hashes.length - 1]
      }
    }
    return { namespaces: namespaces.size, stored, gone } satisfies WalkResult
  })

/** The background reconciliation (and, first, the one-time import of the storage activity record). */
export const layer = (options: ReconcilerOptions = {}): Layer.Layer<never, never, ArtifactStorage | CacheIndex | IndexWriter> =>
  Layer.effectDiscard(Effect.gen(function*() {
    const interval = options.interval ?? "6 hours"
    /** One walk; after a failure (storage or index down) the next is tried within a minute. */
    const walk = Effect.gen(function*() {
      const started = Date.now()
      const result = yield* reconcileOnce(options)
      // Quiet on an empty cache: a server with nothing stored has nothing to report.
      yield* (result.namespaces === 0 ? Effect.logDebug : Effect.logInfo)(
        `cache index: reconciled ${result.namespaces} namespace(s) with storage in ${Date.now() - started} ms: ` +
          `${result.stored} stored object(s) seen, ${result.gone} record(s) whose object is gone`
      )
      return interval
    }).pipe(Effect.catchCause((cause) =>
      Effect.as(Effect.logWarning("cache index: reconciliation with storage failed; will retry", cause), "1 minute" as const)
    ))
    const importOnce = importStorageActivity.pipe(
      Effect.catchCause((cause) => Effect.logWarning("cache index: importing the storage activity record failed; will retry at next start", cause))
    )
    yield* Effect.forkScoped(Effect.andThen(importOnce, Effect.forever(Effect.flatMap(walk, Effect.sleep))))
  }))
