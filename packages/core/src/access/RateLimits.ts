import { Context, Duration, Effect, Layer, Ref } from "effect"
import { RateLimiter } from "effect/persistence"
import type { RateLimitConfig } from "./AccessConfig.ts"

/** Where a token stands against its budget after a request. */
export interface RateLimitState {
  readonly limit: number
  readonly remaining: number
}

/** The token used up its budget: retry after `retryAfterMs`. */
export interface RateLimited extends RateLimitState {
  readonly retryAfterMs: number
}

export interface RateLimitsShape {
  /** Counts one request of `key` (a token name) against `budget`. */
  readonly consume: (key: string, budget: RateLimitConfig) => Effect.Effect<RateLimitState, RateLimited>
}

/**
 * Request budgets per token: counted in memory on each replica by default, or
 * in a shared store (Redis) so one budget holds across replicas.
 */
export class RateLimits extends Context.Service<RateLimits, RateLimitsShape>()("@hoard/core/RateLimits") {}

const unitMillis: Record<string, number> = { ms: 1, milli: 1, second: 1_000, minute: 60_000, hour: 3_600_000 }

/** `"10 seconds"` → 10 000 (the config schema has already checked the form). */
export const windowMillis = (per: string): number => {
  const match = /^\s*(\d+)\s*([a-z]+)\s*$/u.exec(per)!
  const unit = match[2]!.replace(/s$/u, "").replace(/^millisecond$|^millis$/u, "ms")
  return Number(match[1]) * (unitMillis[unit] ?? 1_000)
}

/**
 * How long a request waits for the store's answer: past it, the request goes
 * through as if the store had failed (a Redis that hangs must not hang every
 * request with a budget).
 */
export const storeTimeout = Duration.millis(250)

/**
 * Budgets counted by `RateLimiter` in its store. A store that fails, or does
 * not answer in `timeout` when one is given, lets the request through (a rate
 * limit is not worth an outage): the first such request logs a warning, the
 * others of the same outage do not, and the first answer after it logs that
 * counting resumed.
 */
const make = (timeout: Duration.Duration | undefined) =>
  Effect.gen(function*() {
    const limiter = yield* RateLimiter.RateLimiter
    const storeDown = yield* Ref.make(false)
    const letThrough = (budget: RateLimitConfig, reason: string): Effect.Effect<RateLimitState> =>
      Ref.getAndSet(storeDown, true).pipe(
        Effect.flatMap((wasDown) =>
          wasDown
            ? Effect.void
            : Effect.logWarning(`rate limits: the store ${reason}; requests go through unlimited until it answers again`)
        ),
        Effect.as({ limit: budget.requests, remaining: budget.requests })
      )
    const answered = Ref.getAndSet(storeDown, false).pipe(
      Effect.flatMap((wasDown) => wasDown ? Effect.logInfo("rate limits: the store answers again; budgets are counted") : Effect.void)
    )
    const bounded = <A, E>(consume: Effect.Effect<A, E>): Effect.Effect<A | undefined, E> =>
      timeout === undefined ? consume : Effect.timeoutOrElse(consume, { duration: timeout, orElse: () => Effect.succeed(undefined) })
    return RateLimits.of({
      consume: (key, budget) =>
        bounded(limiter.consume({
          key,
          limit: budget.requests,
          window: Duration.millis(windowMillis(budget.per)),
          algorithm: "fixed-window",
          onExceeded: "fail"
        })).pipe(
          Effect.matchEffect({
            onSuccess: (result) =>
              result === undefined
                ? letThrough(budget, `did not answer in ${Duration.format(timeout!)}`)
                : Effect.as(answered, { limit: result.limit, remaining: result.remaining }),
            onFailure: (error) =>
              error.reason._tag === "RateLimitExceeded"
                ? Effect.andThen(answered, Effect.fail({
                  limit: error.reason.limit,
                  remaining: 0,
                  retryAfterMs: Duration.toMillis(error.reason.retryAfter)
                }))
                : letThrough(budget, `failed (${innermostMessage(error.reason)})`)
          })
        )
    })
  })

/**
 * Budgets counted in `RateLimiterStore`, e.g. `RateLimiter.layerStoreRedis()`
 * over one Redis for every replica; a request waits at most `storeTimeout`
 * for the store, then goes through.
 */
export const layerWithStore: Layer.Layer<RateLimits, never, RateLimiter.RateLimiterStore> = Layer.effect(
  RateLimits,
  make(storeTimeout)
).pipe(Layer.provide(RateLimiter.layer))

/** The message of the innermost `cause` (e.g. the Redis client's "The client is offline"), for the log. */
const innermostMessage = (error: unknown): string => {
  let current = error
  for (let depth = 0; depth < 5; depth++) {
    const cause = typeof current === "object" && current !== null && "cause" in current ? current.cause : undefined
    if (cause === undefined || cause === null) break
    current = cause
  }
  return current instanceof Error ? current.message : String(current)
}

/** Budgets counted in memory, per replica (the memory store neither fails nor waits: no timeout). */
export const layer: Layer.Layer<RateLimits> = Layer.effect(RateLimits, make(undefined)).pipe(
  Layer.provide(RateLimiter.layer),
  Layer.provide(RateLimiter.layerStoreMemory)
)
