import { Readable } from "node:stream"
import { StorageError } from "@hoard/core"
import { Cause, Effect, Stream } from "effect"
import type { Scope } from "effect"

/**
 * An artifact body as the Node Readable lib-storage consumes, fed from the
 * Effect stream with backpressure. It ends only once exactly `size` bytes went
 * through; any other outcome (the body failed, too few or too many bytes, the
 * put was interrupted) destroys it with an error, so lib-storage never sends
 * the last part or completes the upload, and aborts the multipart upload.
 */
export interface BodySource<E> {
  readonly readable: Readable
  /** Why the body did not deliver exactly `size` bytes, once that is known. */
  readonly failure: () => Cause.Cause<E | StorageError> | undefined
  /** Fails the readable, e.g. when the put is interrupted. */
  readonly abort: () => void
}

export class BodyAborted extends Error {
  override readonly name = "BodyAborted"
}

export const makeBodySource = Effect.fnUntraced(function*<E>(
  body: Stream.Stream<Uint8Array, E>,
  size: number
): Effect.fn.Return<BodySource<E>, never, Scope.Scope> {
  let failure: Cause.Cause<E | StorageError> | undefined
  let resumeProducer: (() => void) | undefined
  const readable = new Readable({
    read() {
      const resume = resumeProducer
      resumeProducer = undefined
      resume?.()
    }
  })

  /** Hands a chunk over, waiting while the consumer's buffer is full. */
  const offer = (chunk: Uint8Array) =>
    Effect.callback<void>((resume) => {
      if (readable.push(chunk)) resume(Effect.void)
      else resumeProducer = () => resume(Effect.void)
    })

  const sizeMismatch = (received: string) =>
    new StorageError({
      operation: "put",
      message: `the artifact body ${received}, but its declared size is ${size} bytes: nothing was stored`
    })

  let received = 0
  const pump = body.pipe(
    Stream.runForEach((chunk) => {
      if (chunk.byteLength === 0) return Effect.void
      received += chunk.byteLength
      return received > size ? Effect.fail(sizeMismatch(`has more than ${size} bytes`)) : offer(chunk)
    }),
    Effect.flatMap(() =>
      received === size
        ? Effect.sync(() => readable.push(null))
        : Effect.fail(sizeMismatch(`ended after ${received} bytes`))
    ),
    Effect.catchCause((cause) =>
      Effect.sync(() => {
        failure = cause
        readable.destroy(new BodyAborted("the artifact body failed"))
      })
    )
  )
  yield* Effect.forkScoped(pump)

  return {
    readable,
    failure: () => failure,
    abort: () => {
      readable.destroy(new BodyAborted("the upload was interrupted"))
    }
  }
})
