import { Effect } from "effect"
import { CacheIndex } from "../../index/CacheIndex.ts"
import type { CacheIndexShape, IndexError, InvalidCursor } from "../../index/CacheIndex.ts"
import { IndexWriter } from "../../index/IndexWriter.ts"
import { ApiError } from "../ApiError.ts"
import { invalidParameter } from "./ManagementError.ts"

/** Reads the cache index for a management answer; see `makeIndexReads`. */
export type IndexReads = <A>(read: (index: CacheIndexShape) => Effect.Effect<A, IndexError | InvalidCursor>) => Effect.Effect<A, ApiError>

const indexUnavailable = new ApiError({
  status: 503,
  code: "index_unavailable",
  message: "the cache index cannot be read right now; artifacts are still served, try again shortly"
})

/**
 * Reads of the cache index that see this replica's own writes: each first
 * waits (at most 2 s) for the writes queued so far, e.g. the upload that just
 * finished. Other replicas' writes show once their writers have applied them
 * (normally within milliseconds). An index that cannot be read is a 503
 * `index_unavailable` (the log has why), an unknown cursor a 400.
 */
export const makeIndexReads: Effect.Effect<IndexReads, never, CacheIndex | IndexWriter> = Effect.gen(function*() {
  const index = yield* CacheIndex
  const writer = yield* IndexWriter
  const flushed = writer.flush.pipe(Effect.timeoutOrElse({ duration: "2 seconds", orElse: () => Effect.void }))
  return (read) =>
    flushed.pipe(
      Effect.andThen(read(index)),
      Effect.catchTags({
        IndexError: (error) =>
          Effect.logError("management request: the cache index failed", error).pipe(
            Effect.andThen(Effect.fail(indexUnavailable))
          ),
        InvalidCursor: (error) => Effect.fail(invalidParameter("cursor", "query", error.message))
      })
    )
})
