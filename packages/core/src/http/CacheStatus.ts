import { Effect } from "effect"
import type { Permission } from "../access/Scope.ts"
import type { Team, TeamStatus } from "../access/Team.ts"
import { ApiError } from "./ApiError.ts"
import type { Services } from "./Services.ts"

/** The team's state: as configured, or `over_limit` once its quota is used up. */
export const teamStatus = (services: Services, team: Team): Effect.Effect<TeamStatus> => {
  if (team.status !== "enabled" || team.quotaBytes === undefined) return Effect.succeed(team.status)
  const quota = team.quotaBytes
  return services.usage.usedBytes(team).pipe(
    Effect.map(({ bytes }): TeamStatus => bytes >= quota ? "over_limit" : "enabled")
  )
}

const statusMessages = {
  disabled: "remote caching is disabled for team",
  paused: "remote caching is paused for team",
  over_limit: "the storage quota is used up for team"
} as const

/**
 * Refuses artifact requests the team's state does not allow, with the 403
 * codes turbo understands: `remote_caching_disabled`/`_paused` refuse
 * everything; `remote_caching_over_limit` refuses uploads only (reads go on).
 */
export const requireCacheOpen = (
  services: Services,
  team: Team,
  permission: Permission
): Effect.Effect<void, ApiError> => {
  if (team.status === "enabled" && (permission === "read" || team.quotaBytes === undefined)) return Effect.void
  return Effect.flatMap(teamStatus(services, team), (status) =>
    status === "enabled" || (status === "over_limit" && permission === "read")
      ? Effect.void
      : Effect.fail(
        new ApiError({
          status: 403,
          code: `remote_caching_${status}`,
          message: `${statusMessages[status]} ${team.slug}`
        })
      ))
}
