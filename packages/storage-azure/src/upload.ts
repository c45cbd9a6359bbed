import { randomUUID } from "node:crypto"
import type { BlockBlobClient } from "@azure/storage-blob"
import { StorageError } from "@hoard/core"
import type { ArtifactInfo } from "@hoard/core"
import { Effect, Stream } from "effect"
import { toBlobMetadata } from "./blobMetadata.ts"
import { blocksOf } from "./blocks.ts"
import { exactLength } from "./exactLength.ts"
import { errorCodeOf } from "./errors.ts"
import { sdkCall } from "./sdkCall.ts"
import type { CallContext } from "./sdkCall.ts"

export interface UploadContext extends CallContext {
  readonly blockSize: number
  readonly maxConcurrency: number
}

const blobHTTPHeaders = { blobContentType: "application/octet-stream" }

/** Block ids must all have the same length within a blob; a fresh prefix per upload keeps concurrent uploads apart. */
const blockId = (uploadId: string, index: number): string =>
  Buffer.from(`${uploadId}-${index.toString().padStart(6, "0")}`).toString("base64")

/** The whole (small) body in one buffer of `size` bytes; `body` never yields more than `size`. */
const collect = <E>(body: Stream.Stream<Uint8Array, E>, size: number): Effect.Effect<Uint8Array, E> =>
  Effect.suspend(() => {
    const bytes = Buffer.allocUnsafe(size)
    let offset = 0
    return Stream.runForEach(body, (chunk) =>
      Effect.sync(() => {
        bytes.set(chunk, offset)
        offset += chunk.byteLength
      })).pipe(Effect.as(bytes))
  })

/**
 * Writes one artifact so that it appears whole or not at all, with its info
 * as blob metadata in the same write. A body of at most `blockSize` bytes goes
 * in one Put Blob; a larger one is staged block by block (at most
 * `maxConcurrency` blocks in flight) and becomes visible only with the final
 * Put Block List. A failing, wrongly sized or interrupted body never reaches
 * that commit, and Azure discards the uncommitted blocks.
 */
export const uploadArtifact = <E>(
  context: UploadContext,
  client: BlockBlobClient,
  where: string,
  body: Stream.Stream<Uint8Array, E>,
  info: ArtifactInfo
): Effect.Effect<void, E | StorageError> => {
  const what = `put ${where}`
  const metadata = toBlobMetadata(info)
  const sized = exactLength(body, info.size, (received) =>
    new StorageError({
      operation: "put",
      message: `${what} failed: the body has ${received > info.size ? "more than" : "only"} ${received} bytes, ` +
        `but ${info.size} were declared`
    }))

  if (info.size <= context.blockSize) {
    return collect(sized, info.size).pipe(
      Effect.flatMap((bytes) =>
        sdkCall(context, "put", what, (abortSignal) =>
          client.upload(bytes, bytes.byteLength, { metadata, blobHTTPHeaders, abortSignal }))
      ),
      Effect.asVoid
    )
  }

  return uploadInBlocks(context, client, what, metadata, sized)
}

/** The upload of a body larger than one block: its blocks staged, then committed with Put Block List. */
const uploadInBlocks = Effect.fnUntraced(function*<E>(
  context: UploadContext,
  client: BlockBlobClient,
  what: string,
  metadata: Record<string, string>,
  sized: Stream.Stream<Uint8Array, E>
) {
  const uploadId = randomUUID()
  const startedAt = Date.now()
  const staged = yield* blocksOf(sized, context.blockSize).pipe(
    Stream.mapEffect(
      (block, index) =>
        sdkCall(context, "put", `${what} (block ${index})`, (abortSignal) =>
          client.stageBlock(blockId(uploadId, index), block, block.byteLength, { abortSignal })),
      { concurrency: context.maxConcurrency }
    ),
    Stream.runCount
  )
  const blockIds = Array.from({ length: staged }, (_, index) => blockId(uploadId, index))
  yield* sdkCall(context, "put", what, (abortSignal) =>
    client.commitBlockList(blockIds, { metadata, blobHTTPHeaders, abortSignal })).pipe(
      Effect.catchIf(
        (error) => errorCodeOf(error.cause) === "InvalidBlockList",
        (error) => lostCommitRace(context, client, what, startedAt, error)
      )
    )
})

/**
 * Azure keeps one set of uncommitted blocks per blob: when two uploads of one
 * key race, the first commit discards the other's staged blocks and the second
 * commit fails with InvalidBlockList. The blob then holds the winner's whole
 * artifact, which is what a cache wants (one complete version), so the loser
 * succeeds too. Any other cause of InvalidBlockList stays an error.
 */
const lostCommitRace = (
  context: CallContext,
  client: BlockBlobClient,
  what: string,
  startedAt: number,
  commitError: StorageError
): Effect.Effect<void, StorageError> =>
  sdkCall(context, "put", `${what} (checking for a concurrent commit)`, (abortSignal) =>
    client.getProperties({ abortSignal })).pipe(
      Effect.flatMap((properties) =>
        properties.lastModified !== undefined && properties.lastModified.getTime() >= startedAt - clockSkewMillis
          ? Effect.logDebug(`${what}: a concurrent upload of the same key committed first`)
          : Effect.fail(commitError)
      )
    )

/** Tolerance between our clock and Azure's when deciding whether a commit happened during our upload. */
const clockSkewMillis = 5_000
