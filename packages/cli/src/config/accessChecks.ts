import { Effect } from "effect"
import { ConfigError, accessProblem, allTeams } from "@hoard/core"
import type { TeamConfig, TokenConfig } from "@hoard/core"
import type { TokenEntry } from "./ConfigFile.ts"

/** A token entry and where it was configured (`tokens[2] in /etc/hoard/access.json`, `--token #1`). */
export interface SourcedToken {
  readonly entry: TokenEntry
  readonly where: string
}

export interface AccessToCheck {
  readonly teams: ReadonlyArray<TeamConfig>
  /** The file the teams come from, for messages. */
  readonly teamsFrom: string
  readonly tokens: ReadonlyArray<SourcedToken>
}

/**
 * The tokens as team-bound `TokenConfig`s (plain ones get `{"*": "admin"}` and,
 * when unnamed, the name `token-<n>`), after core's cross-checks
 * (`accessProblem`), whose messages here name the file or flag of each entry.
 */
export const checkAccess = ({ teams, teamsFrom, tokens }: AccessToCheck): Effect.Effect<ReadonlyArray<TokenConfig>, ConfigError> => {
  const explicitNames = new Set(tokens.flatMap(({ entry }) => typeof entry === "object" && entry.name !== undefined ? [entry.name] : []))
  const normalized = tokens.map(({ entry }, index): TokenConfig => {
    if (typeof entry === "object" && "teams" in entry) return entry
    const secret = typeof entry === "string" ? entry : entry.token
    const isUnnamed = typeof entry === "string" || entry.name === undefined
    let name = typeof entry === "object" && entry.name !== undefined ? entry.name : `token-${index + 1}`
    for (let suffix = 2; isUnnamed && explicitNames.has(name); suffix++) name = `token-${index + 1}-${suffix}`
    return { name, token: secret, teams: allTeams }
  })
  const problem = accessProblem({ teams, tokens: normalized }, {
    team: (index) => `teams[${index}] in ${teamsFrom}`,
    token: (index) => tokens[index]!.where,
    teamsFrom
  })
  return problem === undefined
    ? Effect.succeed(normalized)
    : Effect.fail(ConfigError.at(problem.path, problem.message))
}
