import type { GetObjectCommandOutput } from "@aws-sdk/client-s3"
import type { StorageError } from "@hoard/core"
import { Effect, Stream } from "effect"
import { errorCodeOf, httpStatusOf } from "./errors.ts"

export interface PinnedRead {
  /** GetObject with `IfMatch` set to the ETag HeadObject returned. */
  readonly read: (signal: AbortSignal) => Promise<GetObjectCommandOutput>
  /** The size HeadObject returned. */
  readonly size: number
  readonly fail: (message: string, cause?: unknown) => StorageError
  readonly describe: (error: unknown) => string
}

interface DestroyableIterable extends AsyncIterable<Uint8Array> {
  readonly destroy?: () => void
}

const isAsyncIterable = (body: unknown): body is DestroyableIterable =>
  typeof body === "object" && body !== null && Symbol.asyncIterator in body

/**
 * The body of the version `get` found, read lazily. The GetObject is pinned to
 * that version's ETag: when the artifact was replaced or deleted in between,
 * S3 answers 412 or 404 and the stream fails rather than yield other bytes.
 * A response that ends short of `size` bytes fails the stream too.
 */
export const readPinnedBody = (request: PinnedRead): Stream.Stream<Uint8Array, StorageError> =>
  Stream.unwrap(openPinnedBody(request))

/** The GetObject of `readPinnedBody`, and the checked stream of its body. */
const openPinnedBody = Effect.fnUntraced(function*(request: PinnedRead) {
  const output = yield* Effect.tryPromise({
    try: request.read,
    catch: (error) => {
      if (httpStatusOf(error) === 412 || errorCodeOf(error) === "PreconditionFailed") {
        return request.fail("the artifact was replaced while it was being read", error)
      }
      if (httpStatusOf(error) === 404 && errorCodeOf(error) !== "NoSuchBucket") {
        return request.fail("the artifact was deleted while it was being read", error)
      }
      return request.fail(request.describe(error), error)
    }
  })
  const body = output.Body
  if (output.ContentLength !== undefined && output.ContentLength !== request.size) {
    if (isAsyncIterable(body)) body.destroy?.()
    return yield* request.fail(`S3 answered with ${output.ContentLength} bytes where ${request.size} were expected`)
  }
  if (body === undefined) {
    return request.size === 0 ? Stream.empty : yield* request.fail("S3 answered without a body")
  }
  if (!isAsyncIterable(body)) return yield* request.fail("the S3 response body is not a Node stream")

  let received = 0
  const verifyLength = Stream.fromEffectDrain(Effect.suspend(() =>
    received === request.size
      ? Effect.void
      : Effect.fail(request.fail(`the download ended after ${received} of ${request.size} bytes`))
  ))
  return Stream.fromAsyncIterable(body, (error) => request.fail(`the download broke off: ${request.describe(error)}`, error)).pipe(
    Stream.map((chunk) => {
      received += chunk.byteLength
      return chunk
    }),
    Stream.concat(verifyLength),
    // Frees the connection when the reader stops early.
    Stream.ensuring(Effect.sync(() => body.destroy?.()))
  )
})
