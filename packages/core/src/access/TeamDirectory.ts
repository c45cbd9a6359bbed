import { Context, Effect, Layer } from "effect"
import type { Namespace } from "../domain/Namespace.ts"
import type { AccessConfig } from "./AccessConfig.ts"
import type { Team } from "./Team.ts"

/** Why a request's `teamId`/`slug` does not name a team. */
export type TeamLookupFailure =
  | { readonly _tag: "MissingTeam" }
  | { readonly _tag: "InvalidTeam"; readonly message: string }
  | { readonly _tag: "UnknownTeam"; readonly team: string }
  | { readonly _tag: "TeamMismatch"; readonly teamId: string; readonly slug: string }

export interface TeamDirectoryShape {
  /**
   * The team a request addresses. turbo sends `slug` (TURBO_TEAM) and, when
   * TURBO_TEAMID starts with `team_`, also `teamId`: both resolve to the same team.
   */
  readonly resolve: (params: {
    readonly teamId: string | undefined
    readonly slug: string | undefined
  }) => Effect.Effect<Team, TeamLookupFailure>
  /** The configured teams; empty when every team name is accepted (`open`). */
  readonly teams: ReadonlyArray<Team>
  /** True when no teams are configured: each team name is its own namespace. */
  readonly open: boolean
}

/** Which teams exist. */
export class TeamDirectory extends Context.Service<TeamDirectory, TeamDirectoryShape>()("@hoard/core/TeamDirectory") {}

export declare const layerOpen: Layer.Layer<TeamDirectory>
export declare const layerConfigured: (config: AccessConfig) => Layer.Layer<TeamDirectory>
export declare const namespaceOf: (team: Team) => Namespace
