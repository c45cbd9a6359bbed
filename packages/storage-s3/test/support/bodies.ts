import { createHash, randomBytes } from "node:crypto"
import { Data, Stream } from "effect"

/** The error a test body fails with. */
export class BodyFailed extends Data.TaggedError("BodyFailed")<{ readonly marker: string }> {}

export const MiB = 1024 * 1024

/**
 * A large body made on the fly, never held in memory whole: 64 KiB chunks of
 * one random block, each stamped with its index so no two chunks are equal.
 * `pulled` counts the bytes the consumer has taken so far.
 */
export const generatedBody = (totalBytes: number) => {
  const chunkBytes = 64 * 1024
  const block = randomBytes(chunkBytes)
  const chunkAt = (index: number): Uint8Array => {
    const length = Math.min(chunkBytes, totalBytes - index * chunkBytes)
    const chunk = new Uint8Array(length)
    chunk.set(block.subarray(0, length))
    new DataView(chunk.buffer).setUint32(0, index)
    return chunk
  }
  const chunkCount = Math.ceil(totalBytes / chunkBytes)
  const expectedSha256 = (() => {
    const hash = createHash("sha256")
    for (let index = 0; index < chunkCount; index++) hash.update(chunkAt(index))
    return hash.digest("hex")
  })()
  const progress = { pulled: 0 }
  // One chunk per pull, so that `pulled` counts what the consumer asked for.
  const stream = Stream.range(0, chunkCount - 1, 1).pipe(
    Stream.map((index) => {
      const chunk = chunkAt(index)
      progress.pulled += chunk.byteLength
      return chunk
    })
  )
  return { stream, expectedSha256, progress }
}
