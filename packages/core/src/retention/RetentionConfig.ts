import { Context, Duration, Effect, Layer, Option } from "effect"
import { ConfigError } from "../HoardConfig.ts"

/**
 * What Hoard keeps, and for how long: a size budget for the whole cache (and
 * per team, in the team config's `maxSize`), a TTL since last use, and how
 * long the activity record and its hourly rollups are kept.
 */
export interface RetentionOptions {
  /**
   * The whole cache's budget in bytes: above it the evictor removes the least
   * recently used artifacts until the cache is back under `lowWatermark` of
   * it. Default: none (no budget).
   */
  readonly maxSizeBytes?: number | undefined
  /** Removes artifacts neither read nor written for this long. Default: none. */
  readonly ttl?: Duration.Input | undefined
  /** Deletes activity events older than this; `"none"` keeps them all. Default 90 days. */
  readonly activityRetention?: Duration.Input | "none" | undefined
  /** Deletes hourly analytics rollups older than this; `"none"` keeps them all. Default 400 days. */
  readonly rollupRetention?: Duration.Input | "none" | undefined
  /** How often the evictor compares usage with the budgets. Default 10 seconds. */
  readonly interval?: Duration.Input | undefined
  /** Where eviction stops, as a fraction of a budget. Default 0.9. */
  readonly lowWatermark?: number | undefined
  /**
   * Past this fraction of a budget (writes outrunning the evictor), uploads
   * get 507 until eviction catches up. Default 1.1.
   */
  readonly hardCeiling?: number | undefined
}

/** The retention settings with their defaults applied; durations in ms, `undefined` for none. */
export interface RetentionSettings {
  readonly maxSizeBytes: number | undefined
  readonly ttlMs: number | undefined
  readonly activityRetentionMs: number | undefined
  readonly rollupRetentionMs: number | undefined
  readonly intervalMs: number
  readonly lowWatermark: number
  readonly hardCeiling: number
}

export const defaultActivityRetention = Duration.days(90)
export const defaultRollupRetention = Duration.days(400)

/** A duration setting in ms: `undefined` for `"none"`, `fallback` when absent; a bad one fails naming `retention.<field>`. */
const millisOf = (
  field: string,
  input: Duration.Input | "none" | undefined,
  fallback: Duration.Duration | undefined
): Effect.Effect<number | undefined, ConfigError> => {
  if (input === "none") return Effect.succeed(undefined)
  if (input === undefined) return Effect.succeed(fallback && Duration.toMillis(fallback))
  return Option.match(Duration.fromInput(input), {
    onNone: () => Effect.fail(ConfigError.at(["retention", field], `${JSON.stringify(input)} is not a duration`)),
    onSome: (duration) =>
      Duration.toMillis(duration) > 0
        ? Effect.succeed(Duration.toMillis(duration))
        : Effect.fail(ConfigError.at(["retention", field], "a duration above 0, or \"none\""))
  })
}

const check = (ok: boolean, field: string, message: string): Effect.Effect<void, ConfigError> =>
  ok ? Effect.void : Effect.fail(ConfigError.at(["retention", field], message))

/** Applies the defaults; a setting out of range fails with a `ConfigError` naming it. */
export const retentionSettings = (options: RetentionOptions = {}): Effect.Effect<RetentionSettings, ConfigError> =>
  Effect.gen(function*() {
    const { hardCeiling = 1.1, lowWatermark = 0.9, maxSizeBytes } = options
    yield* check(maxSizeBytes === undefined || (Number.isSafeInteger(maxSizeBytes) && maxSizeBytes > 0), "maxSizeBytes", "a whole number of bytes above 0")
    yield* check(lowWatermark > 0 && lowWatermark <= 1, "lowWatermark", "a fraction above 0 and at most 1")
    yield* check(hardCeiling >= 1, "hardCeiling", "a fraction of at least 1")
    const intervalMs = yield* millisOf("interval", options.interval, Duration.seconds(10))
    return {
      maxSizeBytes,
      ttlMs: yield* millisOf("ttl", options.ttl, undefined),
      activityRetentionMs: yield* millisOf("activityRetention", options.activityRetention, defaultActivityRetention),
      rollupRetentionMs: yield* millisOf("rollupRetention", options.rollupRetention, defaultRollupRetention),
      intervalMs: intervalMs ?? 10_000,
      lowWatermark,
      hardCeiling
    }
  })

/** The retention settings the server runs with. */
export class RetentionConfig extends Context.Service<RetentionConfig, RetentionSettings>()("@hoard/core/RetentionConfig") {
  static readonly layer = (options?: RetentionOptions): Layer.Layer<RetentionConfig, ConfigError> =>
    Layer.effect(RetentionConfig, retentionSettings(options))
}
