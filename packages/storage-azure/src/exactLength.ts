import type { StorageError } from "@hoard/core"
import { Effect, Stream } from "effect"

/**
 * Passes `stream` through while counting its bytes. Fails with
 * `mismatch(received)` as soon as more than `size` bytes arrive (before the
 * extra chunk is passed on), or at the end when fewer did.
 */
export const exactLength = <E>(
  stream: Stream.Stream<Uint8Array, E>,
  size: number,
  mismatch: (received: number) => StorageError
): Stream.Stream<Uint8Array, E | StorageError> =>
  Stream.suspend(() => {
    let received = 0
    return stream.pipe(
      Stream.mapEffect((chunk) => {
        received += chunk.byteLength
        return received > size ? Effect.fail(mismatch(received)) : Effect.succeed(chunk)
      }),
      Stream.concat(Stream.suspend(() => received === size ? Stream.empty : Stream.fail(mismatch(received))))
    )
  })
