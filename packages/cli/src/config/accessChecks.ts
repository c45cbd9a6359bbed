import { createHash } from "node:crypto"
import { Effect } from "effect"
import type { TeamConfig, TokenConfig } from "@hoard/core"
import { allTeams } from "@hoard/core"
import type { TokenEntry } from "./ConfigFile.ts"
import { ConfigError } from "./ConfigError.ts"

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

const fail = (message: string) => Effect.fail(new ConfigError({ message }))

const digestOf = (token: TokenConfig): string =>
  token.sha256 ?? createHash("sha256").update(token.token ?? "").digest("hex")

/**
 * The tokens as team-bound `TokenConfig`s (plain ones get `{"*": "admin"}` and,
 * when unnamed, the name `token-<n>`), after the cross-checks the schemas
 * cannot make: teams with one id or slug, tokens with one name or secret, and
 * grants that name teams which are not configured.
 */
export const checkAccess = ({ teams, teamsFrom, tokens }: AccessToCheck): Effect.Effect<ReadonlyArray<TokenConfig>, ConfigError> =>
  Effect.gen(function*() {
    // A request names a team by id or slug: each name must pick one team.
    const teamNames = new Map<string, { readonly index: number; readonly field: string }>()
    for (const [index, team] of teams.entries()) {
      for (const [field, value] of [["id", team.id as string], ["slug", team.slug]] as const) {
        const other = teamNames.get(value)
        if (other !== undefined && other.index !== index) {
          return yield* fail(
            `teams[${index}] in ${teamsFrom}: ${field} "${value}" is already the ${other.field} of teams[${other.index}]`
          )
        }
        teamNames.set(value, { index, field })
      }
    }

    const explicitNames = new Set(tokens.flatMap(({ entry }) => typeof entry === "object" && entry.name !== undefined ? [entry.name] : []))
    const normalized = tokens.map(({ entry, where }, index): { readonly token: TokenConfig; readonly where: string } => {
      if (typeof entry === "object" && "teams" in entry) return { token: entry, where }
      const secret = typeof entry === "string" ? entry : entry.token
      const isUnnamed = typeof entry === "string" || entry.name === undefined
      let name = typeof entry === "object" && entry.name !== undefined ? entry.name : `token-${index + 1}`
      for (let suffix = 2; isUnnamed && explicitNames.has(name); suffix++) name = `token-${index + 1}-${suffix}`
      return { token: { name, token: secret, teams: allTeams }, where }
    })

    const byName = new Map<string, string>()
    const byDigest = new Map<string, { readonly name: string; readonly where: string }>()
    for (const { token, where } of normalized) {
      if (token.name.startsWith("jwt:")) {
        return yield* fail(`token "${token.name}" (${where}): names starting with "jwt:" are reserved for JWTs`)
      }
      const sameName = byName.get(token.name)
      if (sameName !== undefined) {
        return yield* fail(`two tokens are named "${token.name}": ${sameName} and ${where}`)
      }
      byName.set(token.name, where)
      const digest = digestOf(token)
      const sameSecret = byDigest.get(digest)
      if (sameSecret !== undefined) {
        return yield* fail(
          `tokens "${sameSecret.name}" (${sameSecret.where}) and "${token.name}" (${where}) have the same secret`
        )
      }
      byDigest.set(digest, { name: token.name, where })

      const granted = Object.keys(token.teams)
      if (granted.length === 0) {
        return yield* fail(
          `token "${token.name}" (${where}) grants no team: give "teams": {"<team id or slug>": "read" | "read-write" | "admin"}`
        )
      }
      if (teams.length > 0) {
        const unknown = granted.find((team) => team !== "*" && !teamNames.has(team))
        if (unknown !== undefined) {
          return yield* fail(
            `token "${token.name}" (${where}) grants team "${unknown}", which is not configured in ${teamsFrom} (teams: ${
              teams.map((team) => team.slug).join(", ")
            })`
          )
        }
      }
    }
    return normalized.map(({ token }) => token)
  })
