import { createRemoteJWKSet, errors, jwtVerify } from "jose"
import type { JWTPayload, JWTVerifyGetKey, JWTVerifyOptions } from "jose"
import { Effect, Result, Schema } from "effect"
import { TeamGrants } from "../access/AccessConfig.ts"
import type { JwtConfig } from "../access/AccessConfig.ts"
// Type-only: Auth.ts imports this module.
import type { Principal } from "./Auth.ts"

/** Tuning for fetching signing keys from `jwksUrl`. */
export interface JwtOptions {
  /** How long one JWKS fetch may take, in milliseconds. Default 5000. */
  readonly jwksTimeoutMillis?: number
  /**
   * After a fetch, how long a token with an unknown `kid` is rejected without
   * fetching again (keys rotated in at the issuer are picked up after this),
   * in milliseconds. Default 30000.
   */
  readonly jwksCooldownMillis?: number
}

/** Three base64url parts separated by dots; the signature is empty for `alg: none`. */
export const looksLikeJwt = (token: string): boolean => /^[\w-]+\.[\w-]+\.[\w-]*$/u.test(token)

/** Thrown by the key resolver when the JWKS could not be fetched, as opposed to a bad token. */
class KeyFetchFailed extends Error {}

// What the JWKS lookup throws for a token it has no key for; anything else
// (network error, timeout, non-200, malformed JSON or key set) is a fetch failure.
const keyLookupErrors: ReadonlySet<string> = new Set([
  "ERR_JWKS_NO_MATCHING_KEY",
  "ERR_JWKS_MULTIPLE_MATCHING_KEYS",
  "ERR_JOSE_NOT_SUPPORTED"
])

const describeCause = (error: unknown): string => {
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : ""
  return error instanceof Error ? `${error.message}${cause}` : String(error)
}

/**
 * Verifies JWTs as `jwt` describes: HS256 with `secret`, RS256/ES256 with keys
 * from `jwksUrl` (cached and refreshed by jose). A rejected token fails with
 * the reason, which never includes the token. Dies if `jwksUrl` is not a URL.
 */
export const makeJwtVerifier = (
  jwt: JwtConfig,
  options: JwtOptions = {}
): Effect.Effect<(token: string) => Effect.Effect<Principal, string>> =>
  Effect.gen(function*() {
    const { jwksUrl } = jwt
    const secret = jwt.secret === undefined ? undefined : new TextEncoder().encode(jwt.secret)
    const remote = jwksUrl === undefined ? undefined : yield* Effect.try({
      try: () =>
        createRemoteJWKSet(new URL(jwksUrl), {
          timeoutDuration: options.jwksTimeoutMillis ?? 5_000,
          cooldownDuration: options.jwksCooldownMillis ?? 30_000
        }),
      catch: (error) => new Error(`jwt.jwksUrl ${jwksUrl} is not usable: ${describeCause(error)}`)
    }).pipe(Effect.orDie)
    const algorithms = [...(secret ? ["HS256"] : []), ...(remote ? ["RS256", "ES256"] : [])]

    // jose checks the header's `alg` against `algorithms` before asking for a
    // key, so an HS256 token never meets a JWKS public key and vice versa.
    const getKey: JWTVerifyGetKey = async (header, token) => {
      if (header.alg === "HS256" && secret !== undefined) return secret
      if (remote === undefined) throw new errors.JOSEAlgNotAllowed()
      try {
        return await remote(header, token)
      } catch (error) {
        if (error instanceof errors.JOSEError && keyLookupErrors.has(error.code)) throw error
        throw new KeyFetchFailed(describeCause(error), { cause: error })
      }
    }
    const verifyOptions: JWTVerifyOptions = {
      algorithms,
      requiredClaims: ["exp", "sub"],
      ...(jwt.issuer === undefined ? {} : { issuer: jwt.issuer }),
      ...(jwt.audience === undefined ? {} : { audience: jwt.audience })
    }
    const teamsClaim = jwt.teamsClaim ?? "teams"
    const fetchFailed = `could not fetch signing keys from ${jwksUrl}`

    // jose's messages name the failed check, never the token.
    const reason = (error: unknown): string => {
      if (error instanceof KeyFetchFailed) return fetchFailed
      if (error instanceof errors.JWTExpired) return "invalid JWT: it has expired"
      if (error instanceof errors.JWKSNoMatchingKey) return `invalid JWT: no signing key from ${jwksUrl} matches it`
      if (error instanceof errors.JOSEAlgNotAllowed) return `invalid JWT: its alg is not one of ${algorithms.join(", ")}`
      if (error instanceof errors.JOSEError) return `invalid JWT: ${error.message}`
      return "invalid JWT"
    }

    const principal = (payload: JWTPayload): Effect.Effect<Principal, string> => {
      if (typeof payload.sub !== "string" || payload.sub.length === 0) {
        return Effect.fail("invalid JWT: claim \"sub\" must be a non-empty string")
      }
      const claim = payload[teamsClaim]
      const grants = Schema.decodeUnknownResult(TeamGrants)(claim)
      if (Result.isFailure(grants)) {
        return Effect.fail(
          claim === undefined
            ? `invalid JWT: claim "${teamsClaim}" is missing`
            : `invalid JWT: claim "${teamsClaim}" must map team ids or slugs to "read", "read-write" or "admin" (${
              grants.failure.message.replace(/\s*\n\s*/gu, " ")
            })`
        )
      }
      return Effect.succeed({
        tokenName: `jwt:${payload.sub}`,
        grants: grants.success,
        ...(jwt.rateLimit === undefined ? {} : { rateLimit: jwt.rateLimit })
      })
    }

    return (token: string) =>
      Effect.tryPromise({ try: () => jwtVerify(token, getKey, verifyOptions), catch: (error) => error }).pipe(
        Effect.tapError((error) =>
          error instanceof KeyFetchFailed ? Effect.logWarning(`${fetchFailed}: ${error.message}`) : Effect.void
        ),
        Effect.mapError(reason),
        Effect.flatMap(({ payload }) => principal(payload))
      )
  })
