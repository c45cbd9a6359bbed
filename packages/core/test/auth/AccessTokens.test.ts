import { createHash } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Layer } from "effect"
import type { TokenConfig } from "../../src/access/AccessConfig.ts"
import { Auth, layerAccessTokens } from "../../src/auth/Auth.ts"
import type { AccessTokensConfig } from "../../src/auth/Auth.ts"

const ciSecret = "ci-secret-0123456789abcdef"
const deploySecret = "deploy-secret-0123456789abcdef"
const hex = (value: string) => createHash("sha256").update(value).digest("hex")

const tokens: ReadonlyArray<TokenConfig> = [
  { name: "ci", token: ciSecret, teams: { web: "read-write", team_docs: "read" } },
  {
    name: "deploy",
    sha256: hex(deploySecret),
    teams: { "*": "admin" },
    rateLimit: { requests: 600, per: "1 minute" }
  }
]

const authenticate = (header: string | undefined, config: AccessTokensConfig = { tokens }) =>
  Auth.use((auth) => auth.authenticate(header)).pipe(Effect.provide(layerAccessTokens(config)))

/** The message a layer dies with when it refuses its config. */
const refusal = (config: AccessTokensConfig) =>
  Effect.gen(function*() {
    const exit = yield* Effect.exit(Layer.build(layerAccessTokens(config)).pipe(Effect.scoped))
    assert.isTrue(Exit.isFailure(exit))
    return Exit.isFailure(exit) ? String(Cause.squash(exit.cause)) : ""
  })

describe("access tokens", () => {
  it.effect("accept plain tokens with their grants", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* authenticate(`Bearer ${ciSecret}`), {
        tokenName: "ci",
        grants: { web: "read-write", team_docs: "read" }
      })
    }))

  it.effect("accept sha256 tokens with their grants and rate limit", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* authenticate(`Bearer ${deploySecret}`), {
        tokenName: "deploy",
        grants: { "*": "admin" },
        rateLimit: { requests: 600, per: "1 minute" }
      })
    }))

  it.effect("reject missing, malformed and unknown tokens without echoing them", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [string | undefined, RegExp]> = [
        [undefined, /^missing Authorization header/],
        ["Basic abc", /^malformed Authorization header/],
        [`Bearer ${ciSecret}x`, /^invalid token$/],
        [`Bearer ${hex(deploySecret)}`, /^invalid token$/],
        // Looks like a JWT, but no jwt section is configured.
        ["Bearer aaa.bbb.ccc", /^invalid token$/]
      ]
      for (const [header, reason] of cases) {
        const error = yield* Effect.flip(authenticate(header))
        assert.strictEqual(error._tag, "Unauthorized")
        assert.match(error.message, reason, String(header))
      }
    }))

  it.effect("refuse a config without tokens or jwt", () =>
    Effect.gen(function*() {
      assert.match(yield* refusal({}), /at least one token or a jwt section/)
      assert.match(yield* refusal({ tokens: [] }), /at least one token or a jwt section/)
    }))

  it.effect("refuse duplicate names and secrets, even across token and sha256", () =>
    Effect.gen(function*() {
      const ci = tokens[0]!
      assert.match(yield* refusal({ tokens: [ci, { ...ci, token: deploySecret }] }), /two tokens are named "ci"/)
      assert.match(
        yield* refusal({ tokens: [ci, { ...ci, name: "ci-2" }] }),
        /tokens "ci" and "ci-2" have the same secret/
      )
      assert.match(
        yield* refusal({ tokens: [ci, { name: "ci-hashed", sha256: hex(ciSecret), teams: {} }] }),
        /tokens "ci" and "ci-hashed" have the same secret/
      )
    }))

  it.effect("refuse tokens without exactly one secret, or named like a JWT principal", () =>
    Effect.gen(function*() {
      assert.match(yield* refusal({ tokens: [{ name: "none", teams: {} }] }), /exactly one of `token` and `sha256`/)
      assert.match(
        yield* refusal({ tokens: [{ name: "both", token: ciSecret, sha256: hex(ciSecret), teams: {} }] }),
        /exactly one of `token` and `sha256`/
      )
      assert.match(yield* refusal({ tokens: [{ name: "bad", sha256: "abc", teams: {} }] }), /exactly one/)
      assert.match(yield* refusal({ tokens: [{ ...tokens[0]!, name: "jwt:alice" }] }), /reserved for JWTs/)
    }))
})
