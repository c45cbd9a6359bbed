import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Logger } from "effect"
import { RateLimiter } from "effect/persistence"
import * as RateLimits from "../../src/access/RateLimits.ts"

type Mode = "ok" | "fail" | "hang"

/** The memory store, except that it fails or hangs while `mode.current` says so (as a Redis that is down or frozen). */
const flakyStore = (mode: { current: Mode }) =>
  Layer.effect(
    RateLimiter.RateLimiterStore,
    Effect.gen(function*() {
      const memory = yield* RateLimiter.RateLimiterStore
      return RateLimiter.RateLimiterStore.of({
        ...memory,
        fixedWindow: (options) =>
          mode.current === "ok"
            ? memory.fixedWindow(options)
            : mode.current === "hang"
            ? Effect.never
            : Effect.fail(
              new RateLimiter.RateLimiterError({
                reason: new RateLimiter.RateLimitStoreError({ message: "store down", cause: new Error("The client is offline") })
              })
            )
      })
    })
  ).pipe(Layer.provide(RateLimiter.layerStoreMemory))

const budget = { requests: 3, per: "1 minute" }

describe("RateLimits with a store (layerWithStore)", () => {
  it.live("lets requests through while the store fails or hangs (at most storeTimeout each), warning once per outage", () =>
    Effect.gen(function*() {
      const mode: { current: Mode } = { current: "ok" }
      const logs: Array<string> = []
      const capture = Logger.layer([Logger.make(({ logLevel, message }) => logs.push(`${logLevel} ${String(message)}`))])
      yield* Effect.gen(function*() {
        const limits = yield* RateLimits.RateLimits
        const consume = () => limits.consume("ci", budget)
        assert.deepStrictEqual(yield* consume(), { limit: 3, remaining: 2 })

        mode.current = "fail"
        for (let index = 0; index < 5; index++) assert.deepStrictEqual(yield* consume(), { limit: 3, remaining: 3 })
        mode.current = "hang"
        const started = Date.now()
        for (let index = 0; index < 3; index++) assert.deepStrictEqual(yield* consume(), { limit: 3, remaining: 3 })
        const waited = Date.now() - started
        assert.isAtLeast(waited, 3 * 240)
        assert.isBelow(waited, 3 * 250 + 500)

        // Back: counted again, and over budget it fails as before.
        mode.current = "ok"
        assert.deepStrictEqual(yield* consume(), { limit: 3, remaining: 1 })
        assert.deepStrictEqual(yield* consume(), { limit: 3, remaining: 0 })
        const limited = yield* Effect.flip(consume())
        assert.strictEqual(limited.limit, 3)
        assert.strictEqual(limited.remaining, 0)
        assert.isAbove(limited.retryAfterMs, 0)

        mode.current = "hang"
        yield* consume()
        yield* consume()
      }).pipe(Effect.provide(RateLimits.layerWithStore.pipe(Layer.provide(flakyStore(mode)))), Effect.provide(capture))

      // Failing then hanging is one outage; the one after the store answered again is another.
      assert.deepStrictEqual(logs, [
        "Warn rate limits: the store failed (The client is offline); requests go through unlimited until it answers again",
        "Info rate limits: the store answers again; budgets are counted",
        "Warn rate limits: the store did not answer in 250ms; requests go through unlimited until it answers again"
      ])
    }))

  it.effect("the in-memory layer counts per key as before", () =>
    Effect.gen(function*() {
      const limits = yield* RateLimits.RateLimits
      for (const remaining of [2, 1, 0]) assert.deepStrictEqual(yield* limits.consume("a", budget), { limit: 3, remaining })
      assert.strictEqual((yield* Effect.flip(limits.consume("a", budget))).remaining, 0)
      assert.deepStrictEqual(yield* limits.consume("b", budget), { limit: 3, remaining: 2 })
    }).pipe(Effect.provide(RateLimits.layer)))
})
