import { Effect, Stream } from "effect"
import { ApiError } from "./ApiError.ts"

export interface MinimumRate {
  readonly minBytesPerSecond: number
  readonly windowMillis: number
}

/** 408 with `Connection: close`: the rest of a trickling body is not worth reading. */
export const uploadTooSlow = (rate: MinimumRate) =>
  new ApiError({
    status: 408,
    code: "request_timeout",
    message: `the upload was slower than ${rate.minBytesPerSecond} bytes per second and was cut off`,
    headers: { connection: "close" }
  })

/**
 * Fails `body` with `uploadTooSlow` once the client sends fewer than
 * `minBytesPerSecond` over a window of `windowMillis`. Only time spent waiting
 * for the client counts: while the consumer (storage) is busy the client is
 * held back by TCP flow control, which is not its fault. A client that sends
 * nothing at all for a whole window fails too.
 */
export const requireMinimumRate = <E>(body: Stream.Stream<Uint8Array, E>, rate: MinimumRate): Stream.Stream<Uint8Array, E | ApiError> => {
  if (rate.minBytesPerSecond <= 0) return body
  const windowBytes = (rate.minBytesPerSecond * rate.windowMillis) / 1000
  return Stream.transformPull(body, (pull) =>
    Effect.sync(() => {
      let waitedMillis = 0
      let bytes = 0
      return Effect.suspend(() => {
        const started = performance.now()
        return pull.pipe(
          Effect.timeoutOrElse({
            duration: rate.windowMillis - waitedMillis,
            orElse: () => Effect.fail(uploadTooSlow(rate))
          }),
          Effect.tap((chunks) => {
            waitedMillis += performance.now() - started
            for (const chunk of chunks) bytes += chunk.byteLength
            if (waitedMillis < rate.windowMillis) return Effect.void
            if (bytes < windowBytes) return Effect.fail(uploadTooSlow(rate))
            waitedMillis = 0
            bytes = 0
            return Effect.void
          })
        )
      })
    }))
}
