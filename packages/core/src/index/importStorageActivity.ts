/**
 * The one-time import of the activity record that Hoard 0.1 kept in storage
 * (batch objects in the `_hoard-activity` namespace) into the cache index.
 * Runs at start until it has completed once; events keep their old ids, so an
 * import cut short and run again counts nothing twice. After it, nothing is
 * written to that namespace: delete it when the import is logged as done.
 */
import { Effect, Option, Stream } from "effect"
import type { ArtifactHash } from "../domain/ArtifactHash.ts"
import { activityNamespace, decodeBatchBody, eventId, isBatchKey } from "../activity/batchFormat.ts"
import { ArtifactStorage } from "../storage/ArtifactStorage.ts"
import { CacheIndex } from "./CacheIndex.ts"
import type { IndexWrite } from "./CacheIndex.ts"
import { IndexWriter } from "./IndexWriter.ts"

export const importedMetaKey = "storage-activity-imported"

const collectBytes = <E>(body: Stream.Stream<Uint8Array, E>) =>
  Stream.runFold(body, () => new Array<Uint8Array>(), (chunks, chunk) => {
    chunks.push(chunk)
    return chunks
  }).pipe(Effect.map((chunks) => Buffer.concat(chunks)))

export const importStorageActivity = Effect.gen(function*() {
  const index = yield* CacheIndex
  if (Option.isSome(yield* index.getMeta(importedMetaKey))) return
  const storage = yield* ArtifactStorage
  const writer = yield* IndexWriter
  // Batch keys start with their time: sorted, the events arrive roughly in order.
  const keys = (yield* Stream.runCollect(storage.list({ namespace: activityNamespace })))
    .map(({ key }) => key.hash as string)
    .filter(isBatchKey)
    .sort()
  let imported = 0
  let unreadable = 0
  for (const key of keys) {
    const found = yield* storage.get({ namespace: activityNamespace, hash: key as ArtifactHash })
    if (Option.isNone(found)) continue
    const batch = decodeBatchBody(yield* collectBytes(found.value.body))
    if (typeof batch === "string") {
      unreadable++
      continue
    }
    const writes: Array<IndexWrite> = []
    batch.events.forEach((event, i) => {
      if (event === undefined) return
      writes.push({ _tag: "Event", store: true, event: { id: eventId(key, batch.offset + i), ...event } })
    })
    imported += writes.length
    yield* writer.enqueue(writes)
    // Waits for the writer per object: an import never floods the queue.
    yield* writer.flush
  }
  yield* index.setMeta(importedMetaKey, new Date().toISOString())
  if (keys.length > 0) {
    yield* Effect.logInfo(
      `cache index: imported ${imported} event(s) from ${keys.length} activity batch object(s) in storage` +
        (unreadable > 0 ? ` (${unreadable} unreadable, skipped)` : "") +
        `; the ${activityNamespace} namespace is no longer used and may be deleted`
    )
  }
})
