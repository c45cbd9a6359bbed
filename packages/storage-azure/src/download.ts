import type { BlobClient } from "@azure/storage-blob"
import { StorageError } from "@hoard/core"
import { Effect, Stream } from "effect"
import { storageError } from "./errors.ts"
import { exactLength } from "./exactLength.ts"
import { sdkCall } from "./sdkCall.ts"
import type { CallContext } from "./sdkCall.ts"

/**
 * The bytes of the blob version whose properties were read (`etag`), fetched
 * when the stream is run. The download is conditional on that ETag, and so is
 * every resumption the SDK makes after a dropped connection: once the blob is
 * replaced the stream fails with a `StorageError` rather than yield bytes of
 * another version. It also fails when Azure sends no data for `timeoutMs`, or
 * a length other than `size`.
 */
export const downloadBody = (
  context: CallContext,
  client: BlobClient,
  where: string,
  etag: string | undefined,
  size: number
): Stream.Stream<Uint8Array, StorageError> => {
  const what = `get ${where}`
  if (size === 0) return Stream.empty
  return Stream.unwrap(openDownload(context, client, what, etag, size))
}

/** Starts the download for `downloadBody`; the response stays open until the scope of the stream closes. */
const openDownload = Effect.fnUntraced(function*(
  context: CallContext,
  client: BlobClient,
  what: string,
  etag: string | undefined,
  size: number
) {
  // Lives as long as the stream: closing it early (or failing) aborts the HTTP response.
  const controller = yield* Effect.acquireRelease(
    Effect.sync(() => new AbortController()),
    (controller) => Effect.sync(() => controller.abort())
  )
  const response = yield* sdkCall(context, "get", what, () =>
    client.download(0, undefined, {
      abortSignal: controller.signal,
      ...(etag === undefined ? {} : { conditions: { ifMatch: etag } })
    }))
  const readable = response.readableStreamBody
  if (readable === undefined) {
    return yield* new StorageError({ operation: "get", message: `${what} failed: the download has no body stream` })
  }
  const bytes = Stream.fromAsyncIterable(
    readable as AsyncIterable<Uint8Array>,
    (error) => storageError("get", what, error, context.container)
  ).pipe(
    Stream.timeoutOrElse({
      duration: context.timeoutMs,
      orElse: () =>
        Stream.fail(
          new StorageError({ operation: "get", message: `${what} failed: no data from Azure for ${context.timeoutMs} ms` })
        )
    })
  )
  return exactLength(bytes, size, (received) =>
    new StorageError({
      operation: "get",
      message: `${what} failed: Azure sent ${received > size ? "more than" : "only"} ${received} bytes of ${size}`
    }))
})
