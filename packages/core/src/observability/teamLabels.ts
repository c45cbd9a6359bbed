import { Context, Effect, Layer } from "effect"
import { TeamDirectory } from "../access/TeamDirectory.ts"
import type { TeamDirectoryShape } from "../access/TeamDirectory.ts"

/**
 * The `team` label of the metrics. Every label value is a series Prometheus
 * keeps forever, so the set stays bounded:
 * - configured teams are labelled by their slug (what people call them); an
 *   id the directory does not know (a team removed from the config whose
 *   artifacts are still evicted) is `other`;
 * - in an open cache, where any team name is accepted, the first `limit`
 *   teams this process sees keep their name and every later one is `other`.
 */
export interface TeamLabelsShape {
  /** The label of a team, by its id (its namespace). */
  readonly of: (teamId: string) => string
}

/** Teams beyond this many get the label `other` in an open cache. */
export const defaultLimit = 50

export const other = "other"

export const make = (directory: Pick<TeamDirectoryShape, "open" | "teams">, limit = defaultLimit): TeamLabelsShape => {
  if (!directory.open) {
    const slugs = new Map(directory.teams.map((team) => [team.id as string, team.slug]))
    return { of: (teamId) => slugs.get(teamId) ?? other }
  }
  const seen = new Set<string>()
  return {
    of: (teamId) => {
      if (seen.has(teamId)) return teamId
      if (seen.size >= limit) return other
      seen.add(teamId)
      return teamId
    }
  }
}

export class TeamLabels extends Context.Service<TeamLabels, TeamLabelsShape>()("@hoard/core/TeamLabels") {}

/** The labels of the teams in the app's `TeamDirectory`. */
export const layer: Layer.Layer<TeamLabels, never, TeamDirectory> = Layer.effect(
  TeamLabels,
  Effect.map(Effect.service(TeamDirectory), (directory) => make(directory))
)
