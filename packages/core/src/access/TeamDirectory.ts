import { Context, Effect, Exit, Layer, Schema } from "effect"
import { parseByteSize } from "../domain/ByteSize.ts"
import { reservedNamespacePrefix } from "../activity/batchFormat.ts"
import { Namespace } from "../domain/Namespace.ts"
import type { AccessConfig, TeamConfig } from "./AccessConfig.ts"
import type { Team } from "./Team.ts"

/** Why a request's `teamId`/`slug` does not name a team. */
export type TeamLookupFailure =
  | { readonly _tag: "MissingTeam" }
  | { readonly _tag: "InvalidTeam"; readonly team: string }
  | { readonly _tag: "UnknownTeam"; readonly team: string }
  | { readonly _tag: "TeamMismatch"; readonly teamId: string; readonly slug: string }

export interface TeamParams {
  readonly teamId?: string | undefined
  readonly slug?: string | undefined
}

export interface TeamDirectoryShape {
  /**
   * The team a request addresses. turbo sends `slug` (TURBO_TEAM) and, when
   * TURBO_TEAMID starts with `team_`, also `teamId`: both resolve to the same team.
   */
  readonly resolve: (params: TeamParams) => Exit.Exit<Team, TeamLookupFailure>
  /** The configured teams; empty when every team name is accepted (`open`). */
  readonly teams: ReadonlyArray<Team>
  /** True when no teams are configured: each team name is its own namespace. */
  readonly open: boolean
}

/** Which teams exist. */
export class TeamDirectory extends Context.Service<TeamDirectory, TeamDirectoryShape>()("@hoard/core/TeamDirectory") {}

const isNamespace = Schema.is(Namespace)

/**
 * No configured teams: every valid team name is a team of its own, and its
 * namespace. `teamId` wins when both are sent (a team keeps one namespace once
 * its id is configured in turbo).
 */
export const layerOpen: Layer.Layer<TeamDirectory> = Layer.succeed(
  TeamDirectory,
  TeamDirectory.of({
    open: true,
    teams: [],
    resolve: ({ slug, teamId }) => {
      const name = teamId || slug
      if (name === undefined || name === "") return Exit.fail({ _tag: "MissingTeam" })
      if (!isNamespace(name) || name.startsWith(reservedNamespacePrefix)) {
        return Exit.fail({ _tag: "InvalidTeam", team: name })
      }
      return Exit.succeed({ id: name, slug: name, name, status: "enabled", createdAt: 0 })
    }
  })
)

/**
 * The teams of an access config. A request may name a team by id, by slug, or
 * both; both must then name the same team.
 */
export const layerConfigured = (config: Pick<AccessConfig, "teams">): Layer.Layer<TeamDirectory> =>
  Layer.effect(
    TeamDirectory,
    Effect.suspend(() => {
      const teams = config.teams.map(teamFromConfig)
      const byId = new Map(teams.map((team) => [team.id as string, team]))
      const bySlug = new Map(teams.map((team) => [team.slug, team]))
      const duplicate = byId.size !== teams.length ? "id" : bySlug.size !== teams.length ? "slug" : undefined
      if (duplicate !== undefined) return Effect.die(new Error(`two teams share one ${duplicate}`))
      return Effect.succeed(TeamDirectory.of({
        open: false,
        teams,
        resolve: ({ slug, teamId }) => {
          const byTeamId = teamId ? byId.get(teamId) ?? bySlug.get(teamId) : undefined
          const bySlugParam = slug ? bySlug.get(slug) ?? byId.get(slug) : undefined
          if (!teamId && !slug) return Exit.fail({ _tag: "MissingTeam" })
          if (teamId && byTeamId === undefined) return Exit.fail({ _tag: "UnknownTeam", team: teamId })
          if (slug && bySlugParam === undefined) return Exit.fail({ _tag: "UnknownTeam", team: slug })
          if (byTeamId !== undefined && bySlugParam !== undefined && byTeamId !== bySlugParam) {
            return Exit.fail({ _tag: "TeamMismatch", teamId: teamId!, slug: slug! })
          }
          return Exit.succeed((byTeamId ?? bySlugParam)!)
        }
      }))
    })
  )

const teamFromConfig = (team: TeamConfig): Team => {
  const quotaBytes = bytesOf(team.quota)
  const maxSizeBytes = bytesOf(team.maxSize)
  const createdAt = team.createdAt === undefined
    ? 0
    : typeof team.createdAt === "number"
    ? team.createdAt
    : Date.parse(team.createdAt) || 0
  return {
    id: team.id,
    slug: team.slug,
    name: team.name ?? team.slug,
    status: team.status ?? "enabled",
    createdAt,
    ...(quotaBytes !== undefined && { quotaBytes }),
    ...(maxSizeBytes !== undefined && { maxSizeBytes })
  }
}

const bytesOf = (size: number | string | undefined): number | undefined =>
  size === undefined ? undefined : typeof size === "number" ? size : parseByteSize(size)
