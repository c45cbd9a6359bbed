import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Auth, layerStaticTokens } from "../../src/auth/Auth.ts"
import { makeTokenLookup, sha256 } from "../../src/auth/bearer.ts"

const entries = Array.from({ length: 100 }, (_, i) => ({ name: `t${i}`, digest: sha256(`token-${i}`) }))

describe("makeTokenLookup", () => {
  it("finds a token's entry, the first time and once remembered", () => {
    const lookup = makeTokenLookup(entries)
    for (let round = 0; round < 3; round++) {
      assert.strictEqual(lookup("token-7"), entries[7])
      assert.strictEqual(lookup("token-42"), entries[42])
    }
  })

  it("never accepts a near miss of a remembered token", () => {
    const lookup = makeTokenLookup(entries)
    assert.strictEqual(lookup("token-1"), entries[1])
    for (const wrong of ["token-", "token-1 ", "token-10x", "Token-1", "", "token-100"]) {
      assert.isUndefined(lookup(wrong), JSON.stringify(wrong))
      assert.isUndefined(lookup(wrong), `${JSON.stringify(wrong)}, asked again`)
    }
    assert.strictEqual(lookup("token-1"), entries[1])
  })

  it("stays right past the most tokens it remembers (it forgets them and hashes again)", () => {
    const lookup = makeTokenLookup(entries)
    for (let round = 0; round < 2; round++) {
      entries.forEach((entry, i) => assert.strictEqual(lookup(`token-${i}`), entry, `token-${i}, round ${round}`))
    }
  })
})

describe("static tokens, asked repeatedly in one layer", () => {
  it.effect("accept each token as itself and refuse the wrong ones in between", () =>
    Effect.gen(function*() {
      const auth = yield* Auth
      for (let round = 0; round < 3; round++) {
        assert.strictEqual((yield* auth.authenticate("Bearer first-secret")).tokenName, "first")
        assert.strictEqual((yield* auth.authenticate("Bearer second-secret")).tokenName, "second")
        const wrong = yield* Effect.flip(auth.authenticate("Bearer first-secre"))
        assert.strictEqual(wrong.message, "invalid token")
      }
    }).pipe(Effect.provide(layerStaticTokens([
      { name: "first", token: "first-secret" },
      { name: "second", token: "second-secret" }
    ]))))
})
