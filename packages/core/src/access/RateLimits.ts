import { Context, Duration, Effect, Layer } from "effect"
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

/** Request budgets per token, counted in memory on each replica. */
export class RateLimits extends Context.Service<RateLimits, RateLimitsShape>()("@hoard/core/RateLimits") {}

const unitMillis: Record<string, number> = { ms: 1, milli: 1, second: 1_000, minute: 60_000, hour: 3_600_000 }

/** `"10 seconds"` → 10 000 (the config schema has already checked the form). */
export const windowMillis = (per: string): number => {
  const match = /^\s*(\d+)\s*([a-z]+)\s*$/u.exec(per)!
  const unit = match[2]!.replace(/s$/u, "").replace(/^millisecond$|^millis$/u, "ms")
  return Number(match[1]) * (unitMillis[unit] ?? 1_000)
}

export const layer: Layer.Layer<RateLimits> = Layer.effect(
  RateLimits,
  Effect.gen(function*() {
    const limiter = yield* RateLimiter.RateLimiter
    return RateLimits.of({
      consume: (key, budget) =>
        limiter.consume({
          key,
          limit: budget.requests,
          window: Duration.millis(windowMillis(budget.per)),
          algorithm: "fixed-window",
          onExceeded: "fail"
        }).pipe(
          Effect.map(({ limit, remaining }) => ({ limit, remaining })),
          Effect.catch((error) =>
            error.reason._tag === "RateLimitExceeded"
              ? Effect.fail({
                limit: error.reason.limit,
                remaining: 0,
                retryAfterMs: Duration.toMillis(error.reason.retryAfter)
              })
              // The memory store does not fail; should another store fail, let the request through.
              : Effect.succeed({ limit: budget.requests, remaining: budget.requests })
          )
        )
    })
  })
).pipe(Layer.provide(RateLimiter.layer), Layer.provide(RateLimiter.layerStoreMemory))
