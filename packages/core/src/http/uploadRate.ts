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
 * Runs `consume` over `body` held to `minBytesPerSecond`, measured over
 * windows of `windowMillis` of waiting for the client: once a window's worth
 * of waiting has brought fewer than its share of bytes, it fails with
 * `uploadTooSlow`. Only time spent waiting for the client counts: while the
 * consumer (storage) is busy the client is held back by TCP flow control,
 * which is not its fault. A client that sends nothing at all for what is left
 * of a window fails too, at that moment.
 *
 * The body's pulls are only timed (no timer per pull); one timer per upload,
 * raced against `consume`, fires when a wait would use up the window.
 */
export const withMinimumRate = <A, E, E2, R>(
  body: Stream.Stream<Uint8Array, E>,
  rate: MinimumRate,
  consume: (body: Stream.Stream<Uint8Array, E | ApiError>) => Effect.Effect<A, E2, R>
): Effect.Effect<A, E2 | ApiError, R> => {
  if (rate.minBytesPerSecond <= 0) return consume(body)
  const windowBytes = (rate.minBytesPerSecond * rate.windowMillis) / 1000
  return Effect.suspend(() => {
    let waitedMillis = 0
    let bytes = 0
    let waitingSince: number | undefined
    const timed = Stream.transformPull(body, (pull) =>
      Effect.succeed(Effect.suspend(() => {
        waitingSince = performance.now()
        return Effect.flatMap(pull, (chunks) => {
          waitedMillis += performance.now() - waitingSince!
          waitingSince = undefined
          for (const chunk of chunks) bytes += chunk.byteLength
          if (waitedMillis < rate.windowMillis) return Effect.succeed(chunks)
          if (bytes < windowBytes) return Effect.fail(uploadTooSlow(rate))
          waitedMillis = 0
          bytes = 0
          return Effect.succeed(chunks)
        })
      })))
    // Wakes no later than a wait in progress could use up the window (waiting
    // accrues at most as fast as time passes), and fails if one has.
    const stalled: Effect.Effect<never, ApiError> = Effect.suspend(() => {
      const waiting = waitingSince === undefined ? 0 : performance.now() - waitingSince
      const left = rate.windowMillis - waitedMillis - waiting
      if (waitingSince !== undefined && left <= 0) return Effect.fail(uploadTooSlow(rate))
      return Effect.andThen(Effect.sleep(Math.max(1, left)), stalled)
    })
    return Effect.raceFirst(consume(timed), stalled)
  })
}

/**
 * The minimum rate for a body read whole (`wholeBodyLimit` bytes at most):
 * all of it must arrive within the window, or within the time its size takes
 * at the minimum rate when that is longer. Reading a whole body is all
 * waiting for the client, so this asks what `withMinimumRate` asks of a
 * stream, with one timer and no per-pull bookkeeping.
 */
export const arrivesAtMinimumRate = <A, E>(
  read: Effect.Effect<A, E>,
  size: number,
  rate: MinimumRate
): Effect.Effect<A, E | ApiError> =>
  rate.minBytesPerSecond <= 0 ? read : Effect.timeoutOrElse(read, {
    duration: Math.max(rate.windowMillis, (size * 1000) / rate.minBytesPerSecond),
    orElse: () => Effect.fail(uploadTooSlow(rate))
  })
