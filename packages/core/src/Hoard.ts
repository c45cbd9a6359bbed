import { Effect, Layer, Schema } from "effect"
import type { RateLimiter } from "effect/persistence"
import { AccessConfig } from "./access/AccessConfig.ts"
import * as RateLimits from "./access/RateLimits.ts"
import * as TeamDirectory from "./access/TeamDirectory.ts"
import * as TeamUsage from "./access/TeamUsage.ts"
import { Auth, layerAccessTokens, layerStaticTokens } from "./auth/Auth.ts"
import type { StaticToken } from "./auth/Auth.ts"
import { ConfigError, HoardConfig } from "./HoardConfig.ts"
import type { HoardConfigOptions } from "./HoardConfig.ts"
import type { CacheIndex } from "./index/CacheIndex.ts"
import * as IndexWriter from "./index/IndexWriter.ts"
import * as Reconciler from "./index/Reconciler.ts"
import * as InstrumentedIndex from "./observability/instrumentedIndex.ts"
import * as InstrumentedStorage from "./observability/instrumentedStorage.ts"
import * as SampledGauges from "./observability/sampledGauges.ts"
import * as TeamLabels from "./observability/teamLabels.ts"
import * as Evictor from "./retention/Evictor.ts"
import * as Purges from "./retention/Purges.ts"
import { RetentionConfig, retentionSettings } from "./retention/RetentionConfig.ts"
import type { RetentionOptions } from "./retention/RetentionConfig.ts"
import type { ArtifactStorage } from "./storage/ArtifactStorage.ts"

/** Everything the Hoard routes need. */
export type HoardServices =
  | ArtifactStorage
  | CacheIndex
  | IndexWriter.IndexWriter
  | Auth
  | TeamDirectory.TeamDirectory
  | TeamUsage.TeamUsage
  | RateLimits.RateLimits
  | HoardConfig
  | RetentionConfig
  | Evictor.Evictor
  | Purges.Purges
  | TeamLabels.TeamLabels

export interface HoardOptions<E = never, EI = never, ER = never> extends HoardConfigOptions {
  /** The storage backend, e.g. `FsStorage.layer({ directory })`. */
  readonly storage: Layer.Layer<ArtifactStorage, E>
  /**
   * The cache index: artifact records, the activity record, analytics and
   * usage, e.g. `SqliteIndex.layer({ filename })` or `PgIndex.layer({ url })`
   * from `@hoard/index-sql`.
   */
  readonly index: Layer.Layer<CacheIndex, EI>
  /**
   * Teams, team-bound tokens and JWT settings. Without it, every team name is
   * accepted and `tokens` may use every team.
   */
  readonly access?: AccessConfig
  /** Plain bearer tokens that may use every team (ignored when `access` is given). */
  readonly tokens?: ReadonlyArray<string | StaticToken>
  /** A custom authentication layer instead of `tokens`/`access` (`layerAllowAll` for an open cache). */
  readonly auth?: Layer.Layer<Auth>
  /** The background writer's queue and batch sizes. */
  readonly writer?: IndexWriter.IndexWriterOptions
  /** Reconciliation of the index with storage; `false` turns it off. */
  readonly reconcile?: Reconciler.ReconcilerOptions | false
  /** Size budget, TTL and activity retention (default: no budget, no TTL, events kept 90 days). */
  readonly retention?: RetentionOptions
  /**
   * Where token rate limits are counted: default in memory, per replica;
   * `RateLimiter.layerStoreRedis()` (with a Redis client) shares each token's
   * budget across replicas.
   */
  readonly rateLimitStore?: Layer.Layer<RateLimiter.RateLimiterStore, ER>
}

const NonEmptyString = Schema.String.check(Schema.isMinLength(1, { message: "a token is not empty" }))

/** Plain tokens: each a non-empty string, or `{ name?, token }`. */
const StaticTokens = Schema.Array(Schema.Union([
  NonEmptyString,
  Schema.Struct({ name: Schema.optionalKey(NonEmptyString), token: NonEmptyString })
]))

const check = <S extends Schema.Decoder<unknown>>(schema: S, value: unknown, at: string) =>
  Schema.decodeUnknownEffect(schema)(value).pipe(Effect.mapError((error) => ConfigError.fromIssue(error.issue, { at: [at] })))

/**
 * Composes the services of a Hoard server from plain options. Bad options
 * (a too-short `downloadUrlSecret`, two teams with one slug, two tokens with
 * one secret, no way to authenticate) fail the layer with a `ConfigError`
 * naming the field.
 */
export const layer = <E, EI, ER = never>(
  options: HoardOptions<E, EI, ER>
): Layer.Layer<HoardServices, E | EI | ER | ConfigError> =>
  Layer.unwrap(Effect.gen(function*() {
    const { access, auth, index, rateLimitStore, reconcile, retention, storage, tokens, writer, ...config } = options
    if (access !== undefined) yield* check(AccessConfig, access, "access")
    if (tokens !== undefined) yield* check(StaticTokens, tokens, "tokens")
    const hasAccessTokens = access !== undefined && ((access.tokens?.length ?? 0) > 0 || access.jwt !== undefined)
    if (auth === undefined && !hasAccessTokens && (tokens === undefined || tokens.length === 0)) {
      return yield* new ConfigError({
        path: "tokens",
        message: "Hoard needs `tokens`, `access.tokens`/`access.jwt`, or an `auth` layer (`layerAllowAll` for an open cache)"
      })
    }
    const retentionConfig = Layer.succeed(RetentionConfig, yield* retentionSettings(retention))
    const authLayer = auth ?? (hasAccessTokens ? layerAccessTokens(access) : layerStaticTokens(tokens!))
    const teams = access === undefined || access.teams.length === 0
      ? TeamDirectory.layerOpen
      : TeamDirectory.layerConfigured(access)
    const teamsAndLabels = TeamLabels.layer.pipe(Layer.provideMerge(teams))
    const indexServices = Layer.mergeAll(IndexWriter.layer(writer), TeamUsage.layer()).pipe(
      Layer.provideMerge(InstrumentedIndex.layerInstrumented(index))
    )
    const rateLimits = rateLimitStore === undefined ? RateLimits.layer : RateLimits.layerWithStore.pipe(Layer.provide(rateLimitStore))
    const reconciler = reconcile === false ? Layer.empty : Reconciler.layer(reconcile)
    const background = Layer.mergeAll(reconciler, Evictor.layer, Purges.layer, SampledGauges.layer())
    return background.pipe(
      Layer.provideMerge(
        Layer.mergeAll(authLayer, teamsAndLabels, rateLimits, HoardConfig.layer(config), retentionConfig, indexServices, InstrumentedStorage.layerInstrumented(storage))
      )
    )
  }))
