/**
 * Keeps the cache index in step with storage, which stays the truth for
 * bytes: every `interval` (at start when none is recorded yet), walks every namespace's listing
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
import { Duration, Effect, Layer, Option, Stream } from "effect"
import { reservedNamespacePrefix } from "../activity/batchFormat.ts"
import type { Namespace } from "../domain/Namespace.ts"
import { ArtifactStorage } from "../storage/ArtifactStorage.ts"
import { CacheIndex } from "./CacheIndex.ts"
import type { IndexWrite } from "./CacheIndex.ts"
import { importStorageActivity } from "./importStorageActivity.ts"
import { IndexWriter } from "./IndexWriter.ts"

export interface ReconcilerOptions {
  /** Time between two walks of storage, by any replica of the index. Default 6 hours. */
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

/** Where the index records when the last walk (by any replica) started, ms since the epoch. */
export const lastWalkMetaKey = "reconciled-at"

/**
 * The background reconciliation (and, first, the one-time import of the
 * storage activity record). Walks are shared by every replica of one index:
 * a replica walks only when the last walk recorded in the index started more
 * than `interval` ago, so a restart, or a fleet of replicas, does not walk
 * storage again (an empty index, e.g. a new or lost one, walks at once).
 */
export const layer = (options: ReconcilerOptions = {}): Layer.Layer<never, never, ArtifactStorage | CacheIndex | IndexWriter> =>
  Layer.effectDiscard(Effect.gen(function*() {
    const index = yield* CacheIndex
    const intervalMs = Duration.toMillis(Duration.fromInputUnsafe(options.interval ?? "6 hours"))
    /** How long until the next walk is due, from what the index says. */
    const untilDue = Effect.map(index.getMeta(lastWalkMetaKey), (last) =>
      Option.match(last, {
        onNone: () => 0,
        onSome: (value) => Math.max(0, Number(value) + intervalMs - Date.now()) || 0
      }))
    /** Walks when due; answers how long to wait before looking again (a minute after a failure). */
    const walkWhenDue = Effect.gen(function*() {
      const wait = yield* untilDue
      if (wait > 0) return Duration.millis(wait)
      const started = Date.now()
      const result = yield* reconcileOnce(options)
      yield* index.setMeta(lastWalkMetaKey, String(started))
      // Quiet on an empty cache: a server with nothing stored has nothing to report.
      yield* (result.namespaces === 0 ? Effect.logDebug : Effect.logInfo)(
        `cache index: reconciled ${result.namespaces} namespace(s) with storage in ${Date.now() - started} ms: ` +
          `${result.stored} stored object(s) seen, ${result.gone} record(s) whose object is gone`
      )
      return Duration.millis(intervalMs)
    }).pipe(Effect.catchCause((cause) =>
      Effect.as(
        Effect.logWarning("cache index: reconciliation with storage failed; will retry", cause),
        Duration.minutes(1)
      )
    ))
    const importOnce = importStorageActivity.pipe(
      Effect.catchCause((cause) => Effect.logWarning("cache index: importing the storage activity record failed; will retry at next start", cause))
    )
    yield* Effect.forkScoped(Effect.andThen(importOnce, Effect.forever(Effect.flatMap(walkWhenDue, Effect.sleep))))
  }))
