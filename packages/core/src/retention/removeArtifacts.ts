/**
 * How retention removes artifacts, for the evictor and for purges alike:
 * first the object in storage, then (through the index writer) its record,
 * so the index never forgets an artifact storage still serves. A crash in
 * between leaves a `success` record without an object, which the next
 * eviction round (its delete finds nothing, the record goes) or
 * reconciliation (`Gone`) repairs.
 */
import { Effect, Option } from "effect"
import type { Namespace } from "../domain/Namespace.ts"
import type { ArtifactHash } from "../domain/ArtifactHash.ts"
import type { EvictionCandidate, IndexWrite } from "../index/CacheIndex.ts"
import type { IndexWriterShape } from "../index/IndexWriter.ts"
import { countRemoved } from "../observability/metrics.ts"
import type { TeamLabelsShape } from "../observability/teamLabels.ts"
import type { ArtifactStorageShape, StorageError } from "../storage/ArtifactStorage.ts"

export interface Removed {
  /** Objects deleted from storage, and the bytes the index recorded for them. */
  readonly count: number
  readonly bytes: number
  /** Candidates left alone: written again since the index last saw them used. */
  readonly skipped: ReadonlyArray<EvictionCandidate>
}

export interface RemoveOptions {
  readonly reason: IndexWrite.Removed["reason"]
  /** The `team` label of `hoard_evictions_total` and `hoard_evicted_bytes_total`. */
  readonly teamLabels: TeamLabelsShape
  /**
   * Leave an artifact whose stored copy is newer than its last use in the
   * index (re-uploaded while the index lagged): the evictor removes only what
   * is really unused. A purge removes whatever is there.
   */
  readonly onlyIfUnused: boolean
  /** Deletes at once. Default 8. */
  readonly concurrency?: number
  /**
   * Wait until the index has applied the removals (default). The evictor
   * removes several pages before it waits once: a commit under heavy write
   * load can take longer than the page's deletes.
   */
  readonly flush?: boolean
}

const metricReason = { evicted: "size", expired: "ttl", purged: "purge" } as const

const keyOf = (candidate: EvictionCandidate) => ({
  namespace: candidate.teamId as Namespace,
  hash: candidate.hash as ArtifactHash
})

/**
 * Deletes the candidates from storage and their records from the index, and
 * (unless `flush: false`) waits until the index has applied it. A storage
 * failure stops the batch (what was deleted before it is still written to the
 * index).
 */
export const removeArtifacts = Effect.fnUntraced(function*(
  storage: ArtifactStorageShape,
  writer: IndexWriterShape,
  candidates: ReadonlyArray<EvictionCandidate>,
  options: RemoveOptions
) {
  const writes: Array<IndexWrite> = []
  const skipped: Array<EvictionCandidate> = []
  let count = 0
  let bytes = 0
  const removeOne = Effect.fnUntraced(function*(candidate: EvictionCandidate) {
    const key = keyOf(candidate)
    if (options.onlyIfUnused) {
      const stored = yield* storage.head(key)
      if (Option.isSome(stored) && stored.value.createdAt > candidate.lastUsedAt) {
        skipped.push(candidate)
        return
      }
    }
    const deleted = yield* storage.delete(key)
    // `at` is taken after the delete: an upload that completes later is newer and keeps its record.
    writes.push({ _tag: "Removed", teamId: candidate.teamId, hash: candidate.hash, at: Date.now(), reason: options.reason })
    if (deleted) {
      count += 1
      bytes += candidate.size
      yield* countRemoved(options.teamLabels.of(candidate.teamId), metricReason[options.reason], 1, candidate.size)
    }
  })
  const outcome = yield* Effect.exit(
    Effect.forEach(candidates, removeOne, { concurrency: options.concurrency ?? 8, discard: true })
  )
  yield* writer.enqueue(writes)
  if (options.flush !== false) yield* writer.flush
  if (outcome._tag === "Failure") return yield* Effect.failCause(outcome.cause)
  return { count, bytes, skipped }
})
