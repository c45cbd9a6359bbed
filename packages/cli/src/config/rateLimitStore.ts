import { Effect, Layer, Redacted, References } from "effect"
import { RateLimiter } from "effect/persistence"
import type { Redis } from "effect/persistence"
import { ConfigError } from "@hoard/core"
import type { LogLevel } from "./settings.ts"
import { withoutPassword } from "./urls.ts"

/** How long start-up waits for Redis to accept the connection before it fails. */
export const redisConnectTimeoutMs = 5_000

/** Where token rate limits are counted, as the start-up banner says it (never the password). */
export const describeRateLimits = (redis: Redacted.Redacted<string> | undefined): string =>
  redis === undefined ? "per replica (in memory)" : `shared in redis ${withoutPassword(new URL(Redacted.value(redis)))}`

/** An error's words, an `AggregateError`'s too (Node's connect to `localhost` tries every address: each fails). */
const messageOf = (error: unknown): string => {
  if (error instanceof AggregateError && error.message === "") return error.errors.map(messageOf).join("; ")
  return error instanceof Error ? error.message : String(error)
}

/**
 * A `RateLimiterStore` in the Redis at `url` (`--redis`), for `Hoard.layer`'s
 * `rateLimitStore`: every replica given the same Redis counts each token's
 * budget once. Keys are `hoard:ratelimit:<token name>`.
 *
 * The client connects when the layer is built: a Redis that refuses or does
 * not answer in `redisConnectTimeoutMs` fails start-up with one line naming
 * `--redis`. Once running, commands fail at once while the client is
 * disconnected (no offline queue that would hold requests until Redis is
 * back) and the client reconnects with backoff; `RateLimits` lets requests
 * through meanwhile and bounds a hung Redis by its own timeout (250 ms),
 * while the client holds at most 1 000 unanswered commands. The client's
 * own warning per failed reconnect is logged at the debug level only:
 * `RateLimits` warns once per outage.
 *
 * `redis` (the npm client) is imported only when a Redis is configured.
 */
export const rateLimitStoreLayer = (
  url: Redacted.Redacted<string>,
  logLevel: LogLevel
): Layer.Layer<RateLimiter.RateLimiterStore, ConfigError> => {
  const shown = withoutPassword(new URL(Redacted.value(url)))
  const client = Layer.unwrap(Effect.map(
    Effect.promise(() => import("@effect/platform-node/NodeRedis")),
    (NodeRedis) =>
      NodeRedis.layer({
        url: Redacted.value(url),
        disableOfflineQueue: true,
        // A Redis that hangs holds every command sent meanwhile: past this many, new ones fail at once.
        commandsQueueMaxLength: 1_000,
        socket: { connectTimeout: redisConnectTimeoutMs }
      })
  )).pipe(
    Layer.provide(Layer.succeed(References.MinimumLogLevel, logLevel === "debug" ? "Debug" : "Error")),
    Layer.catchTag("RedisError", (error): Layer.Layer<Redis.Redis, ConfigError> =>
      Layer.unwrap(Effect.fail(
        new ConfigError({ path: "redis", message: `cannot use the Redis of --redis ${shown}: ${messageOf(error.cause)}` })
      )))
  )
  return RateLimiter.layerStoreRedis({ prefix: "hoard:ratelimit:" }).pipe(Layer.provide(client))
}
