import { createHash } from "node:crypto"
import { Schema } from "effect"
import { ByteSizeInput } from "../domain/ByteSize.ts"
import { Namespace } from "../domain/Namespace.ts"
import { Scope } from "./Scope.ts"

/** A team in the config file. Its `id` names its storage namespace, so it must never change. */
export const TeamConfig = Schema.Struct({
  id: Namespace.check(
    Schema.isPattern(/^team_/u, { message: "a team id starts with team_ (turbo only sends a teamId that does)" })
  ),
  slug: Schema.String.check(
    Schema.isPattern(/^[a-z0-9][a-z0-9_.-]{0,99}$/u, { message: "a slug is 1 to 100 lowercase letters, digits, '_', '-' or '.'" })
  ),
  name: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(200))),
  status: Schema.optionalKey(Schema.Literals(["enabled", "disabled", "paused"])),
  /** Storage quota: bytes, or a size such as `50GiB`. Past it, status is `over_limit` and uploads get 403. */
  quota: Schema.optionalKey(ByteSizeInput),
  /**
   * The team's own budget: bytes, or a size such as `10GiB`. Above it the
   * evictor removes the team's least recently used artifacts (never another
   * team's). Unlike `quota`, uploads go on.
   */
  maxSize: Schema.optionalKey(ByteSizeInput),
  /** ISO date or ms since the epoch; shown by `turbo link`. */
  createdAt: Schema.optionalKey(Schema.Union([Schema.Int, Schema.String]))
})
export type TeamConfig = typeof TeamConfig.Type

/**
 * The teams a token (or a JWT) may use, and how: team id or slug to scope.
 * `"*"` means every team.
 */
export const TeamGrants = Schema.Record(Schema.String.check(Schema.isMinLength(1)), Scope)
export type TeamGrants = typeof TeamGrants.Type

/** A request budget per token, e.g. `{ "requests": 600, "per": "1 minute" }`. */
export const RateLimitConfig = Schema.Struct({
  requests: Schema.Int.check(Schema.isGreaterThan(0)),
  /** A duration such as `1 second`, `1 minute`, `1 hour`. */
  per: Schema.String.check(Schema.isPattern(/^\s*\d+\s*(ms|millis|milliseconds?|seconds?|minutes?|hours?)\s*$/u, {
    message: "a window such as \"1 second\", \"10 seconds\", \"1 minute\" or \"1 hour\""
  }))
})
export type RateLimitConfig = typeof RateLimitConfig.Type

/**
 * A configured token: the secret in plain text (`token`) or only its SHA-256
 * digest in hex (`sha256`, e.g. from `printf %s "$TOKEN" | sha256sum`).
 */
export const TokenConfig = Schema.Struct({
  name: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(100)),
  token: Schema.optionalKey(Schema.String.check(Schema.isMinLength(16, { message: "a token is at least 16 characters" }))),
  sha256: Schema.optionalKey(Schema.String.check(Schema.isPattern(/^[a-f0-9]{64}$/u, { message: "a SHA-256 digest is 64 lowercase hex characters" }))),
  teams: TeamGrants,
  rateLimit: Schema.optionalKey(RateLimitConfig)
}).check(Schema.makeFilter((token) =>
  (token.token === undefined) !== (token.sha256 === undefined) || "give exactly one of `token` and `sha256`"
))
export type TokenConfig = typeof TokenConfig.Type

/**
 * JSON Web Tokens accepted as bearer tokens: HS256 with a shared `secret`, or
 * RS256/ES256 keys fetched from `jwksUrl`. The `teamsClaim` claim holds a
 * grants object like a token's `teams` (`{"web": "read"}`); `sub` names the token.
 */
export const JwtConfig = Schema.Struct({
  secret: Schema.optionalKey(Schema.String.check(Schema.isMinLength(32, { message: "an HS256 secret is at least 32 characters" }))),
  jwksUrl: Schema.optionalKey(Schema.String.check(Schema.makeFilter((url) =>
    (/^https?:\/\//u.test(url) && URL.canParse(url)) || "a JWKS URL is an http(s) URL"
  ))),
  issuer: Schema.optionalKey(Schema.String),
  audience: Schema.optionalKey(Schema.String),
  teamsClaim: Schema.optionalKey(Schema.String.check(Schema.isMinLength(1))),
  rateLimit: Schema.optionalKey(RateLimitConfig)
}).check(Schema.makeFilter((jwt) =>
  jwt.secret !== undefined || jwt.jwksUrl !== undefined || "give `secret` (HS256) or `jwksUrl` (RS256/ES256)"
))
export type JwtConfig = typeof JwtConfig.Type

/** How an access problem names a team, a token and the place teams come from (the CLI names files). */
export interface AccessNames {
  /** `teams[2]`, `teams[2] in /etc/hoard/access.json`. */
  readonly team: (index: number) => string
  /** `tokens[0]`, `tokens[0] in hoard.config.json`, `--token #1`. */
  readonly token: (index: number) => string
  /** Where the teams are configured, e.g. a file path; unset: not said. */
  readonly teamsFrom?: string | undefined
}

const plainNames: AccessNames = { team: (index) => `teams[${index}]`, token: (index) => `tokens[${index}]` }

/** A problem the field schemas cannot see: `path` is its field, `message` one line naming the entries. */
export interface AccessProblem {
  readonly path: ReadonlyArray<string | number>
  readonly message: string
}

const digestOf = (token: TokenConfig): string =>
  token.sha256 ?? createHash("sha256").update(token.token ?? "").digest("hex")

/**
 * The first cross-check an access config fails, if any: teams with one id or
 * slug (a request names a team by either), tokens with one name or secret,
 * names reserved for JWTs, tokens that grant no team, and grants of teams
 * that are not configured.
 */
export const accessProblem = (
  access: { readonly teams: ReadonlyArray<TeamConfig>; readonly tokens?: ReadonlyArray<TokenConfig> | undefined },
  names: AccessNames = plainNames
): AccessProblem | undefined => {
  const { teams, tokens = [] } = access
  const teamNames = new Map<string, { readonly index: number; readonly field: string }>()
  for (const [index, team] of teams.entries()) {
    for (const [field, value] of [["id", team.id as string], ["slug", team.slug]] as const) {
      const other = teamNames.get(value)
      if (other !== undefined && other.index !== index) {
        return {
          path: ["teams", index, field],
          message: `${names.team(index)}: ${field} "${value}" is already the ${other.field} of teams[${other.index}]`
        }
      }
      teamNames.set(value, { index, field })
    }
  }

  const byName = new Map<string, number>()
  const byDigest = new Map<string, number>()
  for (const [index, token] of tokens.entries()) {
    const where = names.token(index)
    // JWT principals are named `jwt:<sub>`; a token must not pass for one.
    if (token.name.startsWith("jwt:")) {
      return { path: ["tokens", index, "name"], message: `token "${token.name}" (${where}): names starting with "jwt:" are reserved for JWTs` }
    }
    const sameName = byName.get(token.name)
    if (sameName !== undefined) {
      return { path: ["tokens", index, "name"], message: `two tokens are named "${token.name}": ${names.token(sameName)} and ${where}` }
    }
    byName.set(token.name, index)
    const digest = digestOf(token)
    const sameSecret = byDigest.get(digest)
    if (sameSecret !== undefined) {
      return {
        path: ["tokens", index, token.token === undefined ? "sha256" : "token"],
        message: `tokens "${tokens[sameSecret]!.name}" (${names.token(sameSecret)}) and "${token.name}" (${where}) have the same secret`
      }
    }
    byDigest.set(digest, index)

    const granted = Object.keys(token.teams)
    if (granted.length === 0) {
      return {
        path: ["tokens", index, "teams"],
        message: `token "${token.name}" (${where}) grants no team: give "teams": {"<team id or slug>": "read" | "read-write" | "admin"}`
      }
    }
    const unknown = teams.length === 0 ? undefined : granted.find((team) => team !== "*" && !teamNames.has(team))
    if (unknown !== undefined) {
      return {
        path: ["tokens", index, "teams", unknown],
        message: `token "${token.name}" (${where}) grants team "${unknown}", which is not configured${
          names.teamsFrom === undefined ? "" : ` in ${names.teamsFrom}`
        } (teams: ${teams.map((team) => team.slug).join(", ")})`
      }
    }
  }
  return undefined
}

/**
 * Teams, tokens and JWT settings: who may use which team, and how. Besides
 * each field's own check, the whole passes `accessProblem`'s cross-checks.
 */
export const AccessConfig = Schema.Struct({
  teams: Schema.Array(TeamConfig),
  tokens: Schema.optionalKey(Schema.Array(TokenConfig)),
  jwt: Schema.optionalKey(JwtConfig)
}).check(Schema.makeFilter((access) => {
  const problem = accessProblem(access)
  return problem === undefined || problem.message
}))
export type AccessConfig = typeof AccessConfig.Type
