import { Effect, References } from "effect"
import type { Tracer } from "effect"

/**
 * `effect` in a child span named `name`, when tracing is on. With tracing off
 * (`References.TracerEnabled`, as `hoard serve` sets it without an OTLP
 * endpoint) the effect runs as is, and `options` is never built: even a
 * no-op span costs a context change per call, and storage and index calls
 * are on every request.
 */
export const withChildSpan = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  name: string,
  options?: () => Tracer.SpanOptionsNoTrace
): Effect.Effect<A, E, R> =>
  Effect.withFiber((fiber) =>
    // No stack trace: capturing one per call would cost more than the call's own bookkeeping.
    fiber.getRef(References.TracerEnabled) ? Effect.withSpan(effect, name, { ...options?.(), captureStackTrace: false }) : effect
  )
