import { createHash, randomBytes as cryptoRandomBytes } from "node:crypto"
import { Effect, Stream } from "effect"
import type { ArtifactHash, Namespace } from "@hoard/core"

/** A fresh namespace, so that tests sharing one storage never see each other's artifacts. */
export const randomNamespace = (): Namespace => `ns-${cryptoRandomBytes(8).toString("hex")}` as Namespace

/** A random 16-character lowercase hex hash, like the ones turbo sends; `prefix` (hex) replaces its start. */
export const randomHash = (prefix = ""): ArtifactHash =>
  (prefix + cryptoRandomBytes(8).toString("hex")).slice(0, Math.max(16, prefix.length + 1)) as ArtifactHash

/** `n` random bytes. */
export const randomBytes = (n: number): Uint8Array => new Uint8Array(cryptoRandomBytes(n))

/** Hex SHA-256 of some bytes. */
export const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex")

/** Collects a stream of bytes into one buffer. */
export const bytesOf = <E, R>(stream: Stream.Stream<Uint8Array, E, R>): Effect.Effect<Uint8Array, E, R> =>
  Stream.runCollect(stream).pipe(Effect.map((chunks) => concat(chunks)))

/** Size and hex SHA-256 of a stream of bytes, without holding the bytes in memory. */
export const digestOf = <E, R>(
  stream: Stream.Stream<Uint8Array, E, R>
): Effect.Effect<{ readonly size: number; readonly sha256: string }, E, R> =>
  Effect.suspend(() => {
    const hash = createHash("sha256")
    let size = 0
    return Stream.runForEach(stream, (chunk) =>
      Effect.sync(() => {
        size += chunk.byteLength
        hash.update(chunk)
      })).pipe(Effect.map(() => ({ size, sha256: hash.digest("hex") })))
  })

/** A stream of `bytes` in chunks of at most `chunkSize` bytes (an empty buffer gives an empty stream). */
export const chunked = (bytes: Uint8Array, chunkSize = 64 * 1024): Stream.Stream<Uint8Array> =>
  Stream.fromIterable(slices(bytes, chunkSize))

/** A stream that yields the first `n` bytes of `bytes` (in 64 KiB chunks), then fails with `error`. */
export const failingAfter = <E>(bytes: Uint8Array, n: number, error: E): Stream.Stream<Uint8Array, E> =>
  Stream.concat(chunked(bytes.subarray(0, n)), Stream.fail(error))

const slices = function*(bytes: Uint8Array, chunkSize: number): Generator<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += chunkSize) {
    yield bytes.subarray(offset, Math.min(offset + chunkSize, bytes.byteLength))
  }
}

const concat = (chunks: ReadonlyArray<Uint8Array>): Uint8Array => {
  const total = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0)
  const bytes = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}
