import type { TeamGrants } from "./AccessConfig.ts"
import { widerScope } from "./Scope.ts"
import type { Scope } from "./Scope.ts"
import type { Team } from "./Team.ts"

/** The widest scope the grants give on a team (by id, slug or `"*"`), if any. */
export const scopeOn = (grants: TeamGrants, team: Team): Scope | undefined => {
  let scope: Scope | undefined
  for (const key of [team.id, team.slug, "*"]) {
    const granted = grants[key]
    if (granted !== undefined) scope = scope === undefined ? granted : widerScope(scope, granted)
  }
  return scope
}
