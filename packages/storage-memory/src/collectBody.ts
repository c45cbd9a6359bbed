import { StorageError } from "@hoard/core"
import { Effect, Stream } from "effect"

const wrongLength = (message: string) => new StorageError({ operation: "put", message })

/**
 * Reads `body` into a private buffer of exactly `size` bytes. Fails as soon as
 * the body yields more, or when it ends with fewer.
 */
export const collectBody = <E>(
  body: Stream.Stream<Uint8Array, E>,
  size: number
): Effect.Effect<Uint8Array, StorageError | E> =>
  Effect.suspend(() => {
    const buffer = new Uint8Array(size)
    let received = 0
    return body.pipe(
      Stream.runForEachArray((chunks) => {
        for (const chunk of chunks) {
          if (received + chunk.byteLength > size) {
            return Effect.fail(wrongLength(`the body is longer than its declared size of ${size} bytes`))
          }
          buffer.set(chunk, received)
          received += chunk.byteLength
        }
        return Effect.void
      }),
      Effect.flatMap(() =>
        received === size
          ? Effect.succeed(buffer)
          : Effect.fail(wrongLength(`the body ended after ${received} of its declared ${size} bytes`))
      )
    )
  })
