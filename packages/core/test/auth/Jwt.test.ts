import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Layer, Logger } from "effect"
import { SignJWT, UnsecuredJWT } from "jose"
import type { CryptoKey, JWTPayload } from "jose"
import type { JwtConfig } from "../../src/access/AccessConfig.ts"
import { Auth, layerAccessTokens } from "../../src/auth/Auth.ts"
import type { AccessTokensConfig, JwtOptions } from "../../src/auth/Auth.ts"
import { deadUrl, makeSigningKey, serveJwks } from "./jwks.ts"
import type { SigningKey } from "./jwks.ts"

const secret = "an-hs256-secret-of-at-least-32-characters"
const now = () => Math.floor(Date.now() / 1000)
const claims: JWTPayload = { sub: "alice", teams: { web: "read-write", team_docs: "read" } }

interface SignOptions {
  readonly alg?: string
  readonly kid?: string
  /** Expiry in epoch seconds; `null` for none. Default: in five minutes. */
  readonly exp?: number | null
  readonly iss?: string
  readonly aud?: string
}

const sign = (key: Uint8Array | CryptoKey, payload: JWTPayload, options: SignOptions = {}) => {
  const jwt = new SignJWT(payload).setProtectedHeader({
    alg: options.alg ?? "HS256",
    ...(options.kid === undefined ? {} : { kid: options.kid })
  }).setIssuedAt()
  if (options.exp !== null) jwt.setExpirationTime(options.exp ?? now() + 300)
  if (options.iss !== undefined) jwt.setIssuer(options.iss)
  if (options.aud !== undefined) jwt.setAudience(options.aud)
  return Effect.promise(() => jwt.sign(key))
}
const hs256 = (payload: JWTPayload, options?: SignOptions) => sign(new TextEncoder().encode(secret), payload, options)
const signWith = (key: SigningKey, payload: JWTPayload = claims, options?: SignOptions) =>
  sign(key.privateKey, payload, { alg: key.alg, kid: key.kid, ...options })

/** Runs `body` with an authenticate function backed by one Auth instance. */
const withAuth = <A, E, R>(
  config: AccessTokensConfig,
  body: (authenticate: (token: string) => ReturnType<Auth["Service"]["authenticate"]>) => Effect.Effect<A, E, R>,
  options?: JwtOptions
) =>
  Effect.gen(function*() {
    const auth = yield* Auth
    return yield* body((token) => auth.authenticate(`Bearer ${token}`))
  }).pipe(Effect.provide(layerAccessTokens(config, options)))

/** Asserts a 401 whose message matches `reason` and does not contain the token. */
const rejects = (authenticate: (token: string) => ReturnType<Auth["Service"]["authenticate"]>, token: string, reason: RegExp) =>
  Effect.gen(function*() {
    const error = yield* Effect.flip(authenticate(token))
    assert.strictEqual(error._tag, "Unauthorized")
    assert.match(error.message, reason)
    assert.notInclude(error.message, token)
    for (const part of token.split(".")) if (part.length > 8) assert.notInclude(error.message, part)
    return error.message
  })

const hsConfig: JwtConfig = {
  secret,
  issuer: "https://id.example",
  audience: "hoard",
  rateLimit: { requests: 100, per: "1 minute" }
}
const valid: SignOptions = { iss: "https://id.example", aud: "hoard" }

describe("JWT auth with an HS256 secret", () => {
  it.effect("accepts a valid token: sub names it, the teams claim grants, the jwt rate limit applies", () =>
    withAuth({ jwt: hsConfig }, (authenticate) =>
      Effect.gen(function*() {
        assert.deepStrictEqual(yield* authenticate(yield* hs256(claims, valid)), {
          tokenName: "jwt:alice",
          grants: { web: "read-write", team_docs: "read" },
          rateLimit: { requests: 100, per: "1 minute" }
        })
      })))

  it.effect("reads grants from the configured teamsClaim", () =>
    withAuth({ jwt: { secret, teamsClaim: "https://hoard.example/teams" } }, (authenticate) =>
      Effect.gen(function*() {
        const token = yield* hs256({ sub: "bob", "https://hoard.example/teams": { "*": "read" } })
        assert.deepStrictEqual(yield* authenticate(token), { tokenName: "jwt:bob", grants: { "*": "read" } })
        yield* rejects(authenticate, yield* hs256(claims), /claim "https:\/\/hoard.example\/teams" is missing/)
      })))

  it.effect("still accepts configured tokens next to JWTs", () =>
    withAuth({
      tokens: [{ name: "ci", token: "ci-secret-0123456789abcdef", teams: { web: "read" } }],
      jwt: hsConfig
    }, (authenticate) =>
      Effect.gen(function*() {
        assert.deepStrictEqual(yield* authenticate("ci-secret-0123456789abcdef"), {
          tokenName: "ci",
          grants: { web: "read" }
        })
        yield* rejects(authenticate, "not-a-jwt-and-not-a-token", /^invalid token$/)
      })))

  it.effect("rejects expired tokens, tokens without exp, and bad signatures", () =>
    withAuth({ jwt: hsConfig }, (authenticate) =>
      Effect.gen(function*() {
        yield* rejects(authenticate, yield* hs256(claims, { ...valid, exp: now() - 60 }), /expired/)
        yield* rejects(authenticate, yield* hs256(claims, { ...valid, exp: null }), /missing required "exp" claim/)
        const forged = yield* sign(new TextEncoder().encode(`${secret}-other`), claims, valid)
        yield* rejects(authenticate, forged, /signature verification failed/)
        const [header, payload, signature] = (yield* hs256(claims, valid)).split(".")
        const tampered = Buffer.from(JSON.stringify({ ...claims, teams: { "*": "admin" } })).toString("base64url")
        assert.notStrictEqual(tampered, payload)
        yield* rejects(authenticate, `${header}.${tampered}.${signature}`, /signature verification failed/)
      })))

  it.effect("rejects a wrong issuer or audience", () =>
    withAuth({ jwt: hsConfig }, (authenticate) =>
      Effect.gen(function*() {
        yield* rejects(authenticate, yield* hs256(claims, { ...valid, iss: "https://evil.example" }), /"iss"/)
        yield* rejects(authenticate, yield* hs256(claims, { ...valid, aud: "other" }), /"aud"/)
        yield* rejects(authenticate, yield* hs256(claims, { aud: "hoard" }), /"iss"/)
      })))

  it.effect("rejects a missing sub and a bad teams claim, naming the claim", () =>
    withAuth({ jwt: hsConfig }, (authenticate) =>
      Effect.gen(function*() {
        yield* rejects(authenticate, yield* hs256({ teams: { web: "read" } }, valid), /"sub"/)
        yield* rejects(authenticate, yield* hs256({ sub: "", teams: { web: "read" } }, valid), /"sub"/)
        yield* rejects(authenticate, yield* hs256({ sub: "alice" }, valid), /claim "teams" is missing/)
        const message = yield* rejects(
          authenticate,
          yield* hs256({ sub: "alice", teams: { web: "write" } }, valid),
          /claim "teams" must map team ids or slugs to "read", "read-write" or "admin"/
        )
        assert.include(message, `["web"]`)
        yield* rejects(authenticate, yield* hs256({ sub: "alice", teams: ["web"] }, valid), /claim "teams" must map/)
        yield* rejects(authenticate, yield* hs256({ sub: "alice", teams: "web" }, valid), /claim "teams" must map/)
      })))

  it.effect("rejects alg none and algorithms it is not configured for", () =>
    withAuth({ jwt: hsConfig }, (authenticate) =>
      Effect.gen(function*() {
        const unsecured = new UnsecuredJWT({ ...claims, iss: "https://id.example", aud: "hoard" })
          .setExpirationTime(now() + 300)
          .encode()
        yield* rejects(authenticate, unsecured, /alg is not one of HS256$/)
        const rs = yield* makeSigningKey("RS256", "rs")
        yield* rejects(authenticate, yield* signWith(rs, claims, valid), /alg is not one of HS256$/)
        yield* rejects(authenticate, "not.a.jwt", /invalid JWT/)
      })))
})

describe("JWT auth with a JWKS", () => {
  it.effect("accepts RS256 and ES256 tokens signed with a served key", () =>
    Effect.gen(function*() {
      const rs = yield* makeSigningKey("RS256", "rs-1")
      const es = yield* makeSigningKey("ES256", "es-1")
      const jwks = yield* serveJwks([rs.jwk, es.jwk])
      yield* withAuth({ jwt: { jwksUrl: jwks.url } }, (authenticate) =>
        Effect.gen(function*() {
          const expected = { tokenName: "jwt:alice", grants: { web: "read-write", team_docs: "read" } } as const
          assert.deepStrictEqual(yield* authenticate(yield* signWith(rs)), expected)
          assert.deepStrictEqual(yield* authenticate(yield* signWith(es)), expected)
          // The key set is cached.
          assert.strictEqual(jwks.fetches, 1)
          // An HS256 token must not be checked against the public keys.
          yield* rejects(authenticate, yield* hs256(claims), /alg is not one of RS256, ES256$/)
        }))
    }))

  it.effect("with both a secret and a JWKS, picks the key by the token's alg", () =>
    Effect.gen(function*() {
      const rs = yield* makeSigningKey("RS256", "rs-1")
      const jwks = yield* serveJwks([rs.jwk])
      yield* withAuth({ jwt: { secret, jwksUrl: jwks.url } }, (authenticate) =>
        Effect.gen(function*() {
          assert.strictEqual((yield* authenticate(yield* hs256(claims))).tokenName, "jwt:alice")
          assert.strictEqual((yield* authenticate(yield* signWith(rs))).tokenName, "jwt:alice")
          const stranger = yield* makeSigningKey("RS256", "rs-1")
          yield* rejects(authenticate, yield* signWith(stranger), /signature verification failed/)
        }))
    }))

  it.effect("rejects a token whose kid is not in the key set, and does not refetch during the cooldown", () =>
    Effect.gen(function*() {
      const current = yield* makeSigningKey("ES256", "current")
      const next = yield* makeSigningKey("ES256", "next")
      const jwks = yield* serveJwks([current.jwk])
      yield* withAuth({ jwt: { jwksUrl: jwks.url } }, (authenticate) =>
        Effect.gen(function*() {
          yield* authenticate(yield* signWith(current))
          yield* rejects(authenticate, yield* signWith(next), /no signing key from http:\/\/127.0.0.1:\d+\/.+ matches it$/)
          jwks.keys = [current.jwk, next.jwk]
          yield* rejects(authenticate, yield* signWith(next), /no signing key from http:\/\/127.0.0.1:\d+\/.+ matches it$/)
          assert.strictEqual(jwks.fetches, 1)
        }))
    }))

  it.effect("picks up a rotated-in key after the cooldown", () =>
    Effect.gen(function*() {
      const old = yield* makeSigningKey("RS256", "2024")
      const rotated = yield* makeSigningKey("RS256", "2025")
      const jwks = yield* serveJwks([old.jwk])
      yield* withAuth({ jwt: { jwksUrl: jwks.url } }, (authenticate) =>
        Effect.gen(function*() {
          yield* authenticate(yield* signWith(old))
          yield* rejects(authenticate, yield* signWith(rotated), /no signing key from http:\/\/127.0.0.1:\d+\/.+ matches it$/)
          jwks.keys = [rotated.jwk]
          assert.strictEqual((yield* authenticate(yield* signWith(rotated))).tokenName, "jwt:alice")
          // The old key is gone from the refetched set.
          yield* rejects(authenticate, yield* signWith(old), /no signing key from http:\/\/127.0.0.1:\d+\/.+ matches it$/)
        }), { jwksCooldownMillis: 0 })
    }))

  it.effect("answers 401 with a clear message and logs a warning when the JWKS cannot be fetched", () =>
    Effect.gen(function*() {
      const url = yield* deadUrl
      const key = yield* makeSigningKey("RS256", "k")
      const logs: Array<string> = []
      const capture = Logger.layer([Logger.make(({ logLevel, message }) => logs.push(`${logLevel} ${String(message)}`))])
      yield* withAuth({ jwt: { jwksUrl: url } }, (authenticate) =>
        Effect.gen(function*() {
          const message = yield* rejects(authenticate, yield* signWith(key), /^could not fetch signing keys from /)
          assert.strictEqual(message, `could not fetch signing keys from ${url}`)
        })).pipe(Effect.provide(capture))
      assert.strictEqual(logs.length, 1)
      assert.match(logs[0]!, /^Warn could not fetch signing keys from http:\/\/127\.0\.0\.1:\d+\/.+: fetch failed/)
    }))

  it.effect("gives up on a JWKS endpoint that does not answer after the timeout", () =>
    Effect.gen(function*() {
      const jwks = yield* serveJwks([], { respond: false })
      const key = yield* makeSigningKey("ES256", "k")
      const started = Date.now()
      yield* withAuth({ jwt: { jwksUrl: jwks.url } }, (authenticate) =>
        Effect.gen(function*() {
          yield* rejects(authenticate, yield* signWith(key), /^could not fetch signing keys from /)
        }), { jwksTimeoutMillis: 200 })
      assert.isBelow(Date.now() - started, 2_000)
      assert.strictEqual(jwks.fetches, 1)
    }))

  it.effect("refuses to start with an unusable JWKS URL", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Layer.build(layerAccessTokens({ jwt: { jwksUrl: "http://" } })).pipe(Effect.scoped))
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit)) assert.match(String(Cause.squash(exit.cause)), /jwksUrl http:\/\/ is not usable/)
    }))
})
