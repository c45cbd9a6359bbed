import { createHash, timingSafeEqual } from "node:crypto"
import { Context, Effect, Layer, Schema } from "effect"
import type { RateLimitConfig, TeamGrants } from "../access/AccessConfig.ts"

/** Who made a request, as far as Hoard knows. Never holds the token itself. */
export interface Principal {
  /** The token's configured name (a JWT's `sub`); shown in logs and events. */
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

// Synchronous on purpose: this runs on every request, and WebCrypto's digest
// is a thread-pool round trip. node:crypto is also available in Deno, Bun and
// Workers (nodejs_compat).
const sha256 = (value: string): Buffer => createHash("sha256").update(value).digest()

const bearerToken = (authorization: string | undefined): string | undefined => {
  const match = authorization === undefined ? null : /^Bearer[ \t]+(\S+)[ \t]*$/iu.exec(authorization)
  return match?.[1]
}

/**
 * Accepts `Authorization: Bearer <token>` for any of the given tokens. Tokens are
 * compared as SHA-256 digests, in constant time, against every configured token.
 */
export const layerStaticTokens = (tokens: ReadonlyArray<string | StaticToken>): Layer.Layer<Auth> =>
  Layer.effect(
    Auth,
    Effect.gen(function*() {
      if (tokens.length === 0) return yield* Effect.die(new Error("layerStaticTokens needs at least one token"))
      const known = yield* Effect.forEach(tokens, (entry, index) => {
        const { name, token } = typeof entry === "string" ? { name: `token-${index + 1}`, token: entry } : entry
        if (token.length === 0) return Effect.die(new Error(`token ${name ?? index + 1} is empty`))
        return Effect.succeed({ name: name ?? `token-${index + 1}`, digest: sha256(token) })
      })
      return Auth.of({
        authenticate: Effect.fnUntraced(function*(authorization) {
          const token = bearerToken(authorization)
          if (token === undefined) {
            return yield* new Unauthorized({
              message: authorization === undefined
                ? "missing Authorization header: send `Authorization: Bearer <token>`"
                : "malformed Authorization header: expected `Bearer <token>`"
            })
          }
          // Digests have one length, so timingSafeEqual applies; every token is compared.
          const digest = sha256(token)
          let found: string | undefined
          for (const candidate of known) {
            if (timingSafeEqual(candidate.digest, digest)) found ??= candidate.name
          }
          if (found === undefined) return yield* new Unauthorized({ message: "invalid token" })
          return { tokenName: found, grants: allTeams }
        })
      })
    })
  )

/** No authentication at all: for a cache on a trusted network only. */
export const layerAllowAll: Layer.Layer<Auth> = Layer.succeed(
  Auth,
  Auth.of({ authenticate: () => Effect.succeed({ tokenName: "anonymous", grants: allTeams }) })
)
