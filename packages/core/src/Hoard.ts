import { Layer } from "effect"
import type { AccessConfig } from "./access/AccessConfig.ts"
import * as RateLimits from "./access/RateLimits.ts"
import * as TeamDirectory from "./access/TeamDirectory.ts"
import * as TeamUsage from "./access/TeamUsage.ts"
import type { ActivityLog } from "./activity/ActivityLog.ts"
import * as StorageActivityLog from "./activity/StorageActivityLog.ts"
import { Auth, layerAccessTokens, layerStaticTokens } from "./auth/Auth.ts"
import type { StaticToken } from "./auth/Auth.ts"
import { HoardConfig } from "./HoardConfig.ts"
import type { HoardConfigShape } from "./HoardConfig.ts"
import type { ArtifactStorage } from "./storage/ArtifactStorage.ts"

/** Everything the Hoard routes need. */
export type HoardServices =
  | ArtifactStorage
  | Auth
  | ActivityLog
  | TeamDirectory.TeamDirectory
  | TeamUsage.TeamUsage
  | RateLimits.RateLimits
  | HoardConfig

export interface HoardOptions<E = never> extends Partial<HoardConfigShape> {
  /** The storage backend, e.g. `FsStorage.layer({ directory })`. */
  readonly storage: Layer.Layer<ArtifactStorage, E>
  /**
   * Teams, team-bound tokens and JWT settings. Without it, every team name is
   * accepted and `tokens` may use every team.
   */
  readonly access?: AccessConfig
  /** Plain bearer tokens that may use every team (ignored when `access` is given). */
  readonly tokens?: ReadonlyArray<string | StaticToken>
  /** A custom authentication layer instead of `tokens`/`access` (`layerAllowAll` for an open cache). */
  readonly auth?: Layer.Layer<Auth>
  /** Where activity events go; defaults to the persisted log in the storage backend. */
  readonly activity?: Layer.Layer<ActivityLog, never, ArtifactStorage>
}

/** Composes the services of a Hoard server from plain options. */
export const layer = <E>(options: HoardOptions<E>): Layer.Layer<HoardServices, E> => {
  const { access, activity, auth, storage, tokens, ...config } = options
  const hasAccessTokens = access !== undefined && ((access.tokens?.length ?? 0) > 0 || access.jwt !== undefined)
  if (auth === undefined && !hasAccessTokens && (tokens === undefined || tokens.length === 0)) {
    throw new Error(
      "Hoard needs `tokens`, `access.tokens`/`access.jwt`, or an `auth` layer (`layerAllowAll` for an open cache)"
    )
  }
  const authLayer = auth ?? (hasAccessTokens ? layerAccessTokens(access) : layerStaticTokens(tokens!))
  const teams = access === undefined || access.teams.length === 0
    ? TeamDirectory.layerOpen
    : TeamDirectory.layerConfigured(access)
  return Layer.mergeAll(
    authLayer,
    teams,
    RateLimits.layer,
    HoardConfig.layer(config),
    Layer.mergeAll(activity ?? StorageActivityLog.layer(), TeamUsage.layer()).pipe(Layer.provideMerge(storage))
  )
}
