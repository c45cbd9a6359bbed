import { Context, Effect, Exit, Layer, Schema } from "effect"
import type { JwtConfig, RateLimitConfig, TeamGrants, TokenConfig } from "../access/AccessConfig.ts"
import { makeTokenLookup, parseBearer, sha256 } from "./bearer.ts"
import { looksLikeJwt, makeJwtVerifier } from "./Jwt.ts"
import type { JwtOptions } from "./Jwt.ts"

export type { JwtOptions } from "./Jwt.ts"

/** Who made a request, as far as Hoard knows. Never holds the token itself. */
export interface Principal {
  /** The token's configured name, or `jwt:<sub>` for a JWT; shown in logs and events. */
  readonly tokenName: string
  /** Team id or slug (or `"*"`) to scope. */
  readonly grants: TeamGrants
  /** This token's request budget, if it has one. */
  readonly rateLimit?: RateLimitConfig
}

/** Every team, every permission: what plain tokens without team bindings get. */
export const allTeams: TeamGrants = { "*": "admin" }

export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", {
  message: Schema.String
}) {}

export interface AuthShape {
  /** Checks the raw `Authorization` header value. */
  readonly authenticate: (authorization: string | undefined) => Effect.Effect<Principal, Unauthorized>
}

export class Auth extends Context.Service<Auth, AuthShape>()("@hoard/core/Auth") {}

/** A static bearer token, optionally named (the name shows in logs and events). */
export interface StaticToken {
  readonly name?: string
  readonly token: string
}

/**
 * Accepts `Authorization: Bearer <token>` for any of the given tokens. Tokens are
 * compared as SHA-256 digests, in constant time, against every configured token
 * (the tokens recently accepted skip the hash: `makeTokenLookup`).
 */
export const layerStaticTokens = (tokens: ReadonlyArray<string | StaticToken>): Layer.Layer<Auth> =>
  Layer.effect(
    Auth,
    Effect.gen(function*() {
      if (tokens.length === 0) return yield* Effect.die(new Error("layerStaticTokens needs at least one token"))
      const known = yield* Effect.forEach(tokens, (entry, index) => {
        const { name, token } = typeof entry === "string" ? { name: `token-${index + 1}`, token: entry } : entry
        if (token.length === 0) return Effect.die(new Error(`token ${name ?? index + 1} is empty`))
        const principal: Principal = { tokenName: name ?? `token-${index + 1}`, grants: allTeams }
        return Effect.succeed({ digest: sha256(token), accepted: Exit.succeed(principal) })
      })
      const lookup = makeTokenLookup(known)
      return Auth.of({
        authenticate: (authorization) => {
          const bearer = parseBearer(authorization)
          if ("problem" in bearer) return Effect.fail(new Unauthorized({ message: bearer.problem }))
          return lookup(bearer.token)?.accepted ?? Effect.fail(new Unauthorized({ message: "invalid token" }))
        }
      })
    })
  )

/** The `tokens` and `jwt` sections of the access config. */
export interface AccessTokensConfig {
  readonly tokens?: ReadonlyArray<TokenConfig>
  readonly jwt?: JwtConfig
}

const invalidConfig = (message: string) => Effect.die(new Error(`access config: ${message}`))

const digestOf = (token: TokenConfig): Buffer | undefined => {
  if (token.token !== undefined) return token.sha256 === undefined && token.token.length > 0 ? sha256(token.token) : undefined
  return token.sha256 !== undefined && /^[a-f0-9]{64}$/iu.test(token.sha256) ? Buffer.from(token.sha256, "hex") : undefined
}

/**
 * Accepts `Authorization: Bearer <token>` for the configured team-bound tokens
 * (compared like `layerStaticTokens` does) and, when `jwt` is given, for JWTs
 * whose claims name the teams they may use. Only JWTs are verified asynchronously.
 */
export const layerAccessTokens = (config: AccessTokensConfig, options?: JwtOptions): Layer.Layer<Auth> =>
  Layer.effect(
    Auth,
    Effect.gen(function*() {
      const tokens = config.tokens ?? []
      if (tokens.length === 0 && config.jwt === undefined) {
        return yield* invalidConfig("give at least one token or a jwt section")
      }
      const known: Array<{
        readonly name: string
        readonly digest: Buffer
        /** The answer for this token, made once. */
        readonly accepted: Exit.Exit<Principal>
      }> = []
      for (const token of tokens) {
        const digest = digestOf(token)
        if (digest === undefined) {
          return yield* invalidConfig(`token "${token.name}" needs exactly one of \`token\` and \`sha256\``)
        }
        // JWT principals are named `jwt:<sub>`; a token must not pass for one.
        if (token.name.startsWith("jwt:")) return yield* invalidConfig(`token name "${token.name}" is reserved for JWTs`)
        const clash = known.find((other) => other.name === token.name || other.digest.equals(digest))
        if (clash !== undefined) {
          return yield* invalidConfig(
            clash.name === token.name
              ? `two tokens are named "${token.name}"`
              : `tokens "${clash.name}" and "${token.name}" have the same secret`
          )
        }
        const principal: Principal = {
          tokenName: token.name,
          grants: token.teams,
          ...(token.rateLimit === undefined ? {} : { rateLimit: token.rateLimit })
        }
        known.push({ name: token.name, digest, accepted: Exit.succeed(principal) })
      }
      const lookup = makeTokenLookup(known)
      const verifyJwt = config.jwt === undefined ? undefined : yield* makeJwtVerifier(config.jwt, options)

      return Auth.of({
        authenticate: (authorization) => {
          const bearer = parseBearer(authorization)
          if ("problem" in bearer) return Effect.fail(new Unauthorized({ message: bearer.problem }))
          const match = lookup(bearer.token)
          if (match !== undefined) return match.accepted
          if (verifyJwt !== undefined && looksLikeJwt(bearer.token)) {
            return Effect.mapError(verifyJwt(bearer.token), (message) => new Unauthorized({ message }))
          }
          return Effect.fail(new Unauthorized({ message: "invalid token" }))
        }
      })
    })
  )

/** No authentication at all: for a cache on a trusted network only. */
export const layerAllowAll: Layer.Layer<Auth> = Layer.succeed(
  Auth,
  Auth.of({ authenticate: () => Effect.succeed({ tokenName: "anonymous", grants: allTeams }) })
)
